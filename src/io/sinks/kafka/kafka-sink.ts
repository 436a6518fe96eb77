import { performance } from 'node:perf_hooks';
import type Logger from 'bunyan';
import { Kafka, type LogEntry, type Message, type Producer, type RecordMetadata } from 'kafkajs';
import { BehaviorSubject, Observable, distinctUntilChanged } from 'rxjs';
import { Backoff } from '../../../contracts/backoff';
import { type Format, type OutboundMessage, type RecordAddressing, type Sink, SinkError, type SinkFailure } from '../../../contracts/sink';
import { NO_SINK_METRICS, type SinkMetrics } from '../../../contracts/sink-metrics';
import { DEFAULT_CLOSE_TIMEOUT_MS, settledWithin, withTimeout } from '../../deadline';
import { type KafkaEncoder, kafkaEncoder } from './encoder';
import { classify, errorMessage } from './failures';
import { DeliveryCheck } from './delivery-check';
import { BrokerProbe } from './probe';
import { bunyanLogCreator, isConnectionFailure, kafkajsLevel } from './log';
import { type KafkaSettings, type KafkaSinkOptions, kafkaSettings } from './options';
import { byTopic, type Packable, packSend, type Part as SendPart, type Routed, type TopicMessages } from './send-packing';

const NAME = 'kafka';
/** The topics of a bundle's messages when they all go to the sink's topic. */
const NO_TOPICS: readonly string[] = Object.freeze([]);

/** One publish() subscription. */
interface Job extends Packable, Routed<Message> {
  /** Each message's topic when the sink's topic is a template; empty when every record goes to the sink's topic. */
  readonly topics: readonly string[];
  readonly records: number;
  /** performance.now() when its timeoutMs last started (subscription, then each acknowledgement). */
  armedAt: number;
  /** Messages [0, acked) of those taken into sends were acknowledged. */
  acked: number;
  /** How many sends the bundle went out in so far. */
  sends: number;
  done: boolean;
  /** The send in flight that carries a part of this bundle; null while none does. */
  send: Send | null;
  /** The timer of its timeoutMs, re-armed whenever one of its sends is acknowledged. */
  timer: NodeJS.Timeout | undefined;
  readonly settle: (error?: SinkError) => void;
}

type Part = SendPart<Job>;

/** One producer.send() call, carrying the bundles (or pieces of one) that were waiting when it started. */
interface Send {
  readonly producer: Producer;
  readonly parts: readonly Part[];
  /** The records of the parts, as sent. */
  readonly messages: readonly Message[];
  readonly startedAt: number;
  abandoned: boolean;
  promise: Promise<unknown>;
}

/** A send kafkajs reported done, whose answer does not confirm every record of it. */
class IncompleteSend extends Error {
  override readonly name = 'IncompleteSend';
}

const jobsOf = (send: Send): Job[] => send.parts.map((part) => part.job);
const recordsOf = (send: Send): number => send.parts.reduce((n, part) => n + part.end - part.start, 0);

/**
 * Publishes each bundle to its Kafka topic (or, with a templated topic, each record to its
 * own; one send then carries the topics of all its records) through an idempotent kafkajs producer
 * (acks = all in-sync replicas), and completes a publish only once the brokers
 * acknowledged every record of its bundle.
 *
 * - The producer connects in the background; `unavailable$` gives the reason while there
 *   is no connected producer. A lost or failing producer is replaced by a new one, connected
 *   with decorrelated-jitter backoff, so the sink recovers by itself when the brokers return.
 * - Sends are serialised, one `producer.send` at a time: while one is in flight, the bundles
 *   that arrive wait and then go out together in the next send (up to `maxSendBytes`).
 *   kafkajs holds a per-broker lock for the idempotent producer anyway, and serialising is
 *   what makes giving up on a send safe (see below).
 * - A bundle of at most `maxSendBytes` always goes out whole in one send. A larger one goes
 *   out in consecutive sends of at most `maxSendBytes` each (a single record larger than that
 *   goes alone in its own send): a produce request, and the record batch kafkajs makes of a
 *   send for a partition, must stay under the brokers' limits (message.max.bytes, 1 MiB by
 *   default), and a bundle may be up to 64 MiB. Its publish completes only once every one of
 *   its sends was acknowledged, and fails as soon as one of them fails or is given up (the
 *   pieces already written stay written: the sender's retry makes duplicates, never losses).
 * - A publish fails with a SinkError when `timeoutMs` pass without progress: from its
 *   subscription to the acknowledgement of its first send, and from each acknowledgement of
 *   one of its sends to that of the next ('down' when kafkajs could not reach the brokers or
 *   there was no connection at all, 'timeout' otherwise), or as soon as kafkajs gives up.
 *   So `timeoutMs` applies per send, not to the whole bundle: a deadline for the whole
 *   bundle would have to grow with its size (a 64 MiB bundle is 128 sends of 512 KiB) and
 *   would still be a guess about the brokers' throughput, while a broker that stalls is
 *   noticed within `timeoutMs` either way. A bundle still only takes as long as the brokers
 *   need to write it, since its sends follow each other without pause; the caller's own
 *   deadline (the collector's confirm timeout) bounds the whole. Bundles waiting behind a
 *   big one keep `timeoutMs` from their subscription to their first acknowledgement, as
 *   before: with a `timeoutMs` shorter than the brokers need for the bundles ahead, they fail
 *   with 'timeout' ("earlier sends are still under way").
 * - A failed or given-up send fails every bundle it carries a piece of, and every bundle
 *   with a piece in it and more to send (those pieces must not overtake it).
 * - After a send failed or was given up, its producer is never used again. kafkajs rolls a
 *   partition's sequence number back when a produce request fails, even when the broker did
 *   write the batch (the answer was lost): the next batch of the same size would then reuse
 *   those sequence numbers and the broker would acknowledge it as a duplicate without writing
 *   it, losing records. A new producer gets a new producer id, so this cannot happen; the
 *   abandoned send may still be written later, which only makes duplicates.
 * - An idle producer holds no heartbeat and kafkajs tells nothing when the brokers go away,
 *   so while a producer is connected and neither a send nor a probe succeeded for
 *   `probeIntervalMs`, the sink probes the brokers: one metadata request (an admin client's
 *   describeCluster, through a kafkajs client of its own without retries, bounded by
 *   `probeTimeoutMs`). A metadata request, unlike a TCP connect, also notices brokers that
 *   accept connections but do not answer, and goes through TLS and SASL like the producer.
 *   A failed probe makes the sink unavailable and replaces the producer, which is then
 *   reconnected as after a failed send; the sink is available again once that succeeds.
 *   There is never more than one probe under way (the next one waits until the last one
 *   settled), none starts while a send is in flight, and the outcome of a probe is ignored
 *   once a send started meanwhile (the send's own outcome decides). Replacing an idle
 *   producer is safe: no send of it can have failed.
 */
export class KafkaSink implements Sink {
  readonly name = NAME;
  readonly format: Format;
  readonly addressing?: RecordAddressing;
  readonly unavailable$: Observable<string | null>;

  private readonly settings: KafkaSettings;
  private readonly log: Logger;
  private readonly kafka: Kafka;
  private readonly encoder: KafkaEncoder;
  private readonly timeoutMs: number;
  private readonly closeTimeoutMs: number;
  private readonly unavailable = new BehaviorSubject<string | null>('connecting');
  private readonly backoff: Backoff;

  /** The connected producer sends go to; null while (re)connecting. */
  private producer: Producer | null = null;
  /** The producer a connect attempt is under way for. */
  private connectingProducer: Producer | null = null;
  private connecting = false;
  private inFlight: Send | null = null;
  private queue: Job[] = [];
  /** Producers given up on, to disconnect again once their last send settles. */
  private readonly retired = new Set<Producer>();
  private closed = false;
  private closing: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  /** Last connection failure kafkajs logged (performance.now() time and text). */
  private connectionFailure: { at: number; message: string } | null = null;

  private readonly probe: BrokerProbe;
  /** Where each record went, to check every send's answer covers them all (delivery-check.ts). */
  private readonly delivery = new DeliveryCheck();
  private readonly metrics: SinkMetrics;
  /** A producer connected before: each later one is a reconnect. */
  private connectedBefore = false;

  constructor(options: KafkaSinkOptions) {
    this.metrics = options.metrics ?? NO_SINK_METRICS;
    this.metrics.state(NAME, 'down');
    this.settings = kafkaSettings(options);
    this.format = options.format;
    this.encoder = kafkaEncoder(options);
    this.addressing = this.encoder.addressing;
    this.timeoutMs = options.timeoutMs;
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.log = options.log.child({ sink: NAME, topic: options.topic }, true);
    this.backoff = new Backoff({ base: this.settings.reconnectBaseMs, cap: this.settings.reconnectCapMs });
    if (options.ssl && options.tls?.verify === false) this.log.warn("kafka.tls.verify = false: the brokers' certificates and names are not checked");
    this.kafka = new Kafka({
      ...this.settings.client,
      logLevel: kafkajsLevel(this.log),
      logCreator: bunyanLogCreator(this.log, (entry) => this.observe(entry)),
    });
    // Everything the probe client logs goes to debug: the sink logs a failed probe itself.
    const probeClient = new Kafka({
      ...this.settings.probeClient,
      logLevel: kafkajsLevel(this.log),
      logCreator: bunyanLogCreator(this.log.child({ probe: true }, true), () => true),
    });
    this.probe = new BrokerProbe(
      {
        closed: () => this.closed,
        producer: () => this.producer,
        sending: () => this.inFlight !== null,
        unreachable: (reason) => this.replaceProducer(reason),
      },
      probeClient,
      this.settings.probeIntervalMs,
      this.settings.probeTimeoutMs,
      this.log,
    );
    this.unavailable$ = this.unavailable.pipe(distinctUntilChanged());
    this.startConnecting();
  }

  publish(messages: readonly OutboundMessage[]): Observable<never> {
    return new Observable<never>((subscriber) => {
      if (this.closed) {
        subscriber.error(new SinkError(NAME, 'down', 'the sink is closed'));
        return undefined;
      }
      if (messages.length === 0) {
        subscriber.complete();
        return undefined;
      }
      const { encoder } = this;
      const sizes = messages.map(encoder.bytes);
      const bytes = sizes.reduce((sum, size) => sum + size, 0);
      const kafkaMessages = messages.map(encoder.message);
      const job: Job = {
        messages: kafkaMessages,
        topics: encoder.topic === undefined ? messages.map(encoder.topicOf) : NO_TOPICS,
        sizes,
        records: messages.length,
        bytes,
        armedAt: performance.now(),
        taken: 0,
        takenBytes: 0,
        acked: 0,
        sends: 0,
        done: false,
        send: null,
        timer: undefined,
        settle: (error) => {
          if (job.done) return;
          job.done = true;
          clearTimeout(job.timer);
          if (error) subscriber.error(error);
          else subscriber.complete();
        },
      };
      this.arm(job);
      this.queue.push(job);
      this.pump();
      return () => {
        clearTimeout(job.timer);
        if (!job.done) {
          // Unsubscribed before the outcome: a send under way goes on, its outcome is ignored.
          job.done = true;
          this.removeQueued(job);
        }
      };
    });
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.wake?.();
    const closedError = new SinkError(NAME, 'down', 'the sink is closed');
    const producers = new Set<Producer>(this.retired);
    for (const p of [this.producer, this.connectingProducer, this.inFlight?.producer]) if (p) producers.add(p);
    // A bundle partly sent can be in both; settling twice does nothing.
    const jobs = [...this.queue, ...(this.inFlight ? jobsOf(this.inFlight) : [])];
    this.queue = [];
    this.inFlight = null;
    this.producer = null;
    for (const job of jobs) job.settle(closedError);
    this.unavailable.next('the kafka sink is closed');
    this.unavailable.complete();
    this.metrics.state(NAME, 'down');
    const disconnected = Promise.all([
      ...[...producers].map((p) =>
        p.disconnect().catch((err: unknown) => this.log.debug({ err }, 'kafka: disconnect on close failed')),
      ),
      this.probe.close(),
    ]);
    // Brokers that stopped answering would hold kafkajs' disconnect for its own timeouts, or for good.
    this.closing = settledWithin(disconnected, this.closeTimeoutMs).then((inTime) => {
      if (inTime) this.log.info('kafka: closed');
      else this.log.warn({ closeTimeoutMs: this.closeTimeoutMs }, 'kafka: the brokers did not close the connections in time: closed without waiting');
    });
    return this.closing;
  }

  // ---------------------------------------------------------------- connection --

  /** Notes connection failures; true (log quietly) for those while the sink already reports itself unavailable. */
  private observe(entry: LogEntry): boolean {
    if (!isConnectionFailure(entry)) return false;
    this.connectionFailure = { at: performance.now(), message: String(entry.log.message) };
    return this.producer === null;
  }

  /**
   * The reason goes out without the sink's name, like every sink's: the HTTP server
   * (/readyz) and failWhileUnavailable (503 answers) put `kafka: ` in front themselves.
   */
  private setUnavailable(reason: string | null): void {
    if (this.closed) return;
    this.unavailable.next(reason === null ? null : reason.replace(/^kafka: /, ''));
    this.metrics.state(NAME, reason === null ? 'connected' : 'down');
  }

  /** Starts the connect loop unless it runs, a producer is connected, or the sink is closed. */
  private startConnecting(): void {
    if (this.connecting || this.producer || this.closed) return;
    this.connecting = true;
    this.connectLoop().catch((err: unknown) => {
      // Not expected: connectLoop catches everything itself.
      this.connecting = false;
      this.log.error({ err }, 'kafka: connect loop failed');
    });
  }

  private async connectLoop(): Promise<void> {
    while (!this.closed) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        // Bounded, unlike kafkajs' default for idempotent producers (endless). kafkajs warns
        // that this "may invalidate EoS guarantees": it would, were a producer reused after a
        // failed send; the sink never does that (see the class comment).
        retry: this.settings.retry,
        allowAutoTopicCreation: true,
        // The Java client's partitioner (murmur2 of the key), noting where each record goes;
        // naming one also silences kafkajs' v2 notice.
        createPartitioner: this.delivery.createPartitioner,
      });
      this.connectingProducer = producer;
      const connected = producer.connect();
      try {
        await withTimeout(connected, this.settings.connectTimeoutMs, `no connection within ${this.settings.connectTimeoutMs} ms`);
      } catch (err) {
        this.connectingProducer = null;
        this.retire(producer, connected);
        if (this.closed) break;
        const delay = this.backoff.next();
        const reason = `kafka: cannot connect to ${this.settings.client.brokers.toString()}: ${errorMessage(err)}`;
        const first = this.unavailable.value === null || this.backoff.attempts === 1;
        this.log[first ? 'error' : 'warn']({ err, attempt: this.backoff.attempts, retryInMs: Math.round(delay) }, reason);
        this.setUnavailable(reason);
        await this.sleep(delay);
        continue;
      }
      this.connectingProducer = null;
      if (this.closed) {
        this.retire(producer);
        break;
      }
      this.backoff.reset();
      this.producer = producer;
      this.connecting = false;
      if (this.connectedBefore) this.metrics.reconnected(NAME);
      this.connectedBefore = true;
      producer.on(producer.events.DISCONNECT, () => {
        // kafkajs only emits this on disconnect(); the sink retires a producer before calling that.
        if (this.producer === producer) this.replaceProducer('kafka: the producer disconnected');
      });
      this.log.info({ brokers: this.settings.client.brokers }, 'kafka: connected');
      this.setUnavailable(null);
      this.probe.contact();
      this.probe.schedule();
      this.pump();
      return;
    }
    this.connecting = false;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => {
      this.wake = null;
    });
  }

  /** Stops using the current producer (it is disconnected) and connects a new one. */
  private replaceProducer(reason: string, pending?: Promise<unknown>): void {
    const producer = this.producer;
    if (!producer) return;
    this.producer = null;
    this.setUnavailable(reason);
    this.retire(producer, pending);
    this.startConnecting();
  }

  /**
   * Disconnects a producer now and, when it still has a send or a connect under way (which
   * kafkajs may complete by reconnecting), again once that settles.
   */
  private retire(producer: Producer, pending?: Promise<unknown>): void {
    this.retired.add(producer);
    const disconnect = (): Promise<void> =>
      producer.disconnect().catch((err: unknown) => this.log.debug({ err }, 'kafka: disconnecting a retired producer failed'));
    const first = disconnect();
    const last = pending ? pending.then(disconnect, disconnect) : first;
    void last.finally(() => this.retired.delete(producer));
  }

  // ----------------------------------------------------------------- sending --

  private removeQueued(job: Job): void {
    const i = this.queue.indexOf(job);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** (Re)starts a bundle's timeoutMs. */
  private arm(job: Job): void {
    clearTimeout(job.timer);
    job.armedAt = performance.now();
    job.timer = setTimeout(() => this.expire(job), this.timeoutMs);
  }

  /**
   * Starts the next send when there is a connected producer, no send in flight and a waiting
   * bundle, with the waiting bundles (or pieces of one) that fit (see packSend).
   */
  private pump(): void {
    if (this.closed || this.inFlight || !this.producer) return;
    this.queue = this.queue.filter((job) => !job.done);
    if (this.queue.length === 0) return;
    const parts = packSend(this.queue, this.settings.maxSendBytes);
    const producer = this.producer;
    const topicMessages = this.topicMessages(parts);
    const messages = topicMessages.length === 1 ? topicMessages[0]!.messages : topicMessages.flatMap((t) => t.messages);
    const send: Send = { producer, parts, messages, startedAt: performance.now(), abandoned: false, promise: Promise.resolve() };
    for (const part of parts) {
      part.job.send = send;
      part.job.sends += 1;
    }
    this.inFlight = send;
    this.probe.sendStarted();
    const how = {
      acks: -1,
      // The brokers' own wait for the in-sync replicas, per send like the sink's timer.
      timeout: this.timeoutMs,
      compression: this.settings.compression,
    };
    // One topic (always so with a constant topic): a plain send; several: one batch of them all.
    const sending = topicMessages.length === 1 ? producer.send({ ...how, ...topicMessages[0]! }) : producer.sendBatch({ ...how, topicMessages });
    send.promise = sending
      .then(
        (results) => this.answered(send, results),
        (err: unknown) => this.failed(send, err),
      )
      .catch((err: unknown) => this.log.error({ err }, 'kafka: internal error after a send'));
  }

  /** A send resolved: done when its answer covers every record (see delivery-check.ts), failed otherwise. */
  private answered(send: Send, results: RecordMetadata[]): void {
    const problem = this.delivery.unconfirmed(send.messages, results);
    if (problem === undefined) this.sent(send);
    else this.failed(send, new IncompleteSend(problem));
  }

  /** A send's messages by topic: one group when every record goes to the sink's topic. */
  private topicMessages(parts: readonly Part[]): TopicMessages<Message>[] {
    const topic = this.encoder.topic;
    if (topic === undefined) return byTopic(parts);
    const whole = parts.length === 1 && parts[0]!.start === 0 && parts[0]!.end === parts[0]!.job.messages.length;
    const messages = whole ? parts[0]!.job.messages : parts.flatMap((part) => part.job.messages.slice(part.start, part.end));
    return [{ topic, messages: messages as Message[] }];
  }

  private sent(send: Send): void {
    if (send.producer === this.producer) this.probe.contact();
    for (const { job, end } of send.parts) {
      if (job.done) continue;
      job.acked = end;
      if (end === job.messages.length) {
        job.settle();
      } else {
        // More of the bundle to send: it is at the head of the queue and goes out next.
        if (job.send === send) job.send = null;
        this.arm(job);
      }
    }
    if (this.inFlight === send) {
      this.inFlight = null;
      this.pump();
    }
  }

  private failed(send: Send, err: unknown): void {
    let failure = classify(err);
    if (failure === 'error' && this.connectionFailure && this.connectionFailure.at >= send.startedAt) failure = 'down';
    const message = `send of ${recordsOf(send)} records failed: ${errorMessage(err)}`;
    const error = new SinkError(NAME, failure, message);
    const jobs = jobsOf(send);
    const waiting = jobs.filter((job) => !job.done).length;
    this.log[waiting > 0 ? 'error' : 'warn'](
      { err, failure, bundles: jobs.length, abandoned: send.abandoned },
      `kafka: ${message}`,
    );
    for (const job of jobs) job.settle(error);
    if (this.inFlight === send) {
      this.inFlight = null;
      if (this.producer === send.producer) this.replaceProducer(`kafka: ${message}; reconnecting`, send.promise);
      this.pump();
    }
  }

  /** A bundle's timeoutMs ran out (since its subscription or the last acknowledgement of one of its sends). */
  private expire(job: Job): void {
    if (job.done) return;
    const send = job.send;
    const progress = job.acked > 0 ? ` (${job.acked} of ${job.records} records acknowledged)` : '';
    if (!send) {
      this.removeQueued(job);
      const reason = this.producer ? null : this.unavailable.value;
      const error =
        reason !== null
          ? new SinkError(NAME, 'down', `not connected within ${this.timeoutMs} ms (${reason.replace(/^kafka: /, '')})${progress}`)
          : new SinkError(NAME, 'timeout', `not sent within ${this.timeoutMs} ms: earlier sends are still under way`);
      this.log.error({ failure: error.failure, records: job.records, acked: job.acked }, error.message);
      job.settle(error);
      return;
    }
    const unreachable = this.connectionFailure && this.connectionFailure.at >= job.armedAt ? this.connectionFailure.message : null;
    const error = unreachable
      ? new SinkError(NAME, 'down', `brokers unreachable (${unreachable}): no acknowledgement within ${this.timeoutMs} ms${progress}`)
      : new SinkError(NAME, 'timeout', `no acknowledgement within ${this.timeoutMs} ms${progress}`);
    this.log.error({ failure: error.failure, records: job.records, acked: job.acked, sends: job.sends }, error.message);
    job.settle(error);
    if (this.inFlight === send && !send.abandoned) {
      // Give up on this send and on its producer: the sends waiting behind it go to a new one.
      send.abandoned = true;
      // A bundle with a piece in it and more to send fails with it: its next piece would go
      // out before this one's outcome is known (and could complete the bundle).
      for (const part of send.parts) {
        if (part.end < part.job.messages.length) part.job.settle(error);
      }
      this.inFlight = null;
      if (this.producer === send.producer) this.replaceProducer(`kafka: ${error.message.replace(/^kafka: /, '')}; reconnecting`, send.promise);
      this.pump();
    }
  }
}

/** Creates the Kafka sink and starts connecting in the background. Throws on invalid options. */
export function createKafkaSink(options: KafkaSinkOptions): KafkaSink {
  return new KafkaSink(options);
}
