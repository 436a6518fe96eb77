import { performance } from 'node:perf_hooks';
import type Logger from 'bunyan';
import { Kafka, type LogEntry, type Message, Partitioners, type Producer } from 'kafkajs';
import { BehaviorSubject, Observable, distinctUntilChanged } from 'rxjs';
import { Backoff } from '../../operators/backoff';
import { type Format, type OutboundMessage, type Sink, SinkError, type SinkFailure } from '../sink';
import { bunyanLogCreator, isConnectionFailure, kafkajsLevel } from './log';
import { type KafkaSettings, type KafkaSinkOptions, kafkaSettings } from './options';

const NAME = 'kafka';

/** One publish() subscription. */
interface Job {
  readonly messages: readonly Message[];
  readonly records: number;
  readonly bytes: number;
  readonly startedAt: number;
  done: boolean;
  send: Send | null;
  readonly settle: (error?: SinkError) => void;
}

/** One producer.send() call, carrying the bundles (jobs) that were waiting when it started. */
interface Send {
  readonly producer: Producer;
  readonly jobs: readonly Job[];
  readonly startedAt: number;
  abandoned: boolean;
  promise: Promise<unknown>;
}

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The error and its causes (kafkajs wraps the last attempt's error in KafkaJSNumberOfRetriesExceeded). */
function errorChain(err: unknown): Array<{ name?: string; type?: string; message?: string }> {
  const chain: Array<{ name?: string; type?: string; message?: string }> = [];
  let current: unknown = err;
  while (current && typeof current === 'object' && chain.length < 10 && !chain.includes(current as object)) {
    chain.push(current as { name?: string; type?: string; message?: string });
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** How a failed producer.send maps onto a SinkFailure. */
function classify(err: unknown): SinkFailure {
  const chain = errorChain(err);
  if (
    chain.some(
      (e) =>
        e.name === 'KafkaJSConnectionError' ||
        e.name === 'KafkaJSConnectionClosedError' ||
        e.name === 'KafkaJSBrokerNotFound' ||
        e.name === 'KafkaJSLockTimeout' ||
        /producer is disconnect/.test(e.message ?? ''),
    )
  ) {
    return 'down';
  }
  if (chain.some((e) => e.name === 'KafkaJSRequestTimeoutError' || e.type === 'REQUEST_TIMED_OUT')) return 'timeout';
  return 'error';
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Publishes each bundle to one Kafka topic through an idempotent kafkajs producer
 * (acks = all in-sync replicas), and completes a publish only once the brokers
 * acknowledged every record of its bundle.
 *
 * - The producer connects in the background; `unavailable$` gives the reason while there
 *   is no connected producer. A lost or failing producer is replaced by a new one, connected
 *   with decorrelated-jitter backoff, so the sink recovers by itself when the brokers return.
 * - Every bundle goes out whole in one `producer.send`. Sends are serialised: while one is in
 *   flight, the bundles that arrive wait and then go out together in the next send (up to
 *   `maxSendBytes`). kafkajs holds a per-broker lock for the idempotent producer anyway, and
 *   serialising is what makes giving up on a send safe (see below).
 * - A publish fails with a SinkError when the brokers did not acknowledge its bundle within
 *   `timeoutMs` of its subscription ('down' when kafkajs could not reach the brokers or there
 *   was no connection at all, 'timeout' otherwise), or as soon as kafkajs gives up.
 * - After a send failed or was given up, its producer is never used again. kafkajs rolls a
 *   partition's sequence number back when a produce request fails, even when the broker did
 *   write the batch (the answer was lost): the next batch of the same size would then reuse
 *   those sequence numbers and the broker would acknowledge it as a duplicate without writing
 *   it, losing records. A new producer gets a new producer id, so this cannot happen; the
 *   abandoned send may still be written later, which only makes duplicates.
 */
export class KafkaSink implements Sink {
  readonly name = NAME;
  readonly format: Format;
  readonly unavailable$: Observable<string | null>;

  private readonly settings: KafkaSettings;
  private readonly log: Logger;
  private readonly kafka: Kafka;
  private readonly topic: string;
  private readonly timeoutMs: number;
  private readonly unavailable = new BehaviorSubject<string | null>('kafka: connecting');
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

  constructor(options: KafkaSinkOptions) {
    this.settings = kafkaSettings(options);
    this.format = options.format;
    this.topic = options.topic;
    this.timeoutMs = options.timeoutMs;
    this.log = options.log.child({ sink: NAME, topic: options.topic }, true);
    this.backoff = new Backoff({ base: this.settings.reconnectBaseMs, cap: this.settings.reconnectCapMs });
    this.kafka = new Kafka({
      ...this.settings.client,
      logLevel: kafkajsLevel(this.log),
      logCreator: bunyanLogCreator(this.log, (entry) => this.observe(entry)),
    });
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
      let bytes = 0;
      const kafkaMessages: Message[] = messages.map((m) => {
        bytes += m.body.length + Buffer.byteLength(m.key);
        // A record without an id gets a null key, so that kafkajs spreads those over partitions.
        return { key: m.key === '' ? null : m.key, value: m.body, headers: { 'content-type': m.contentType } };
      });
      let timer: NodeJS.Timeout | undefined;
      const job: Job = {
        messages: kafkaMessages,
        records: messages.length,
        bytes,
        startedAt: performance.now(),
        done: false,
        send: null,
        settle: (error) => {
          if (job.done) return;
          job.done = true;
          clearTimeout(timer);
          if (error) subscriber.error(error);
          else subscriber.complete();
        },
      };
      timer = setTimeout(() => this.expire(job), this.timeoutMs);
      this.queue.push(job);
      this.pump();
      return () => {
        clearTimeout(timer);
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
    const jobs = [...this.queue, ...(this.inFlight?.jobs ?? [])];
    this.queue = [];
    this.inFlight = null;
    this.producer = null;
    for (const job of jobs) job.settle(closedError);
    this.unavailable.next('kafka: closed');
    this.unavailable.complete();
    this.closing = Promise.all(
      [...producers].map((p) =>
        withTimeout(p.disconnect(), 5000, 'disconnect timed out').catch((err: unknown) =>
          this.log.debug({ err }, 'kafka: disconnect on close failed'),
        ),
      ),
    ).then(() => {
      this.log.info('kafka: closed');
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

  private setUnavailable(reason: string | null): void {
    if (!this.closed) this.unavailable.next(reason);
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
        // The Java client's partitioner (murmur2 of the key); naming it also silences kafkajs' v2 notice.
        createPartitioner: Partitioners.DefaultPartitioner,
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
      producer.on(producer.events.DISCONNECT, () => {
        // kafkajs only emits this on disconnect(); the sink retires a producer before calling that.
        if (this.producer === producer) this.replaceProducer('kafka: the producer disconnected');
      });
      this.log.info({ brokers: this.settings.client.brokers }, 'kafka: connected');
      this.setUnavailable(null);
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

  /** Starts the next send when there is a connected producer, no send in flight and a waiting bundle. */
  private pump(): void {
    if (this.closed || this.inFlight || !this.producer) return;
    this.queue = this.queue.filter((job) => !job.done);
    if (this.queue.length === 0) return;
    const jobs: Job[] = [];
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (jobs.length > 0 && bytes + next.bytes > this.settings.maxSendBytes) break;
      this.queue.shift();
      jobs.push(next);
      bytes += next.bytes;
    }
    const producer = this.producer;
    const messages = jobs.length === 1 ? jobs[0]!.messages : jobs.flatMap((job) => job.messages);
    const send: Send = { producer, jobs, startedAt: performance.now(), abandoned: false, promise: Promise.resolve() };
    for (const job of jobs) job.send = send;
    this.inFlight = send;
    send.promise = producer
      .send({
        topic: this.topic,
        acks: -1,
        timeout: this.timeoutMs,
        compression: this.settings.compression,
        messages: messages as Message[],
      })
      .then(
        () => this.sent(send),
        (err: unknown) => this.failed(send, err),
      )
      .catch((err: unknown) => this.log.error({ err }, 'kafka: internal error after a send'));
  }

  private sent(send: Send): void {
    for (const job of send.jobs) job.settle();
    if (this.inFlight === send) {
      this.inFlight = null;
      this.pump();
    }
  }

  private failed(send: Send, err: unknown): void {
    let failure = classify(err);
    if (failure === 'error' && this.connectionFailure && this.connectionFailure.at >= send.startedAt) failure = 'down';
    const message = `send of ${send.jobs.reduce((n, j) => n + j.records, 0)} records failed: ${errorMessage(err)}`;
    const error = new SinkError(NAME, failure, message);
    const waiting = send.jobs.filter((job) => !job.done).length;
    this.log[waiting > 0 ? 'error' : 'warn'](
      { err, failure, bundles: send.jobs.length, abandoned: send.abandoned },
      `kafka: ${message}`,
    );
    for (const job of send.jobs) job.settle(error);
    if (this.inFlight === send) {
      this.inFlight = null;
      if (this.producer === send.producer) this.replaceProducer(`kafka: ${message}; reconnecting`, send.promise);
      this.pump();
    }
  }

  /** A bundle's timeoutMs ran out. */
  private expire(job: Job): void {
    if (job.done) return;
    const send = job.send;
    if (!send) {
      this.removeQueued(job);
      const reason = this.producer ? null : this.unavailable.value;
      const error =
        reason !== null
          ? new SinkError(NAME, 'down', `not connected within ${this.timeoutMs} ms (${reason.replace(/^kafka: /, '')})`)
          : new SinkError(NAME, 'timeout', `not sent within ${this.timeoutMs} ms: earlier sends are still under way`);
      this.log.error({ failure: error.failure, records: job.records }, error.message);
      job.settle(error);
      return;
    }
    const unreachable = this.connectionFailure && this.connectionFailure.at >= job.startedAt ? this.connectionFailure.message : null;
    const error = unreachable
      ? new SinkError(NAME, 'down', `brokers unreachable (${unreachable}): no acknowledgement within ${this.timeoutMs} ms`)
      : new SinkError(NAME, 'timeout', `no acknowledgement within ${this.timeoutMs} ms`);
    this.log.error({ failure: error.failure, records: job.records }, error.message);
    job.settle(error);
    if (this.inFlight === send && !send.abandoned) {
      // Give up on this send and on its producer: the sends waiting behind it go to a new one.
      send.abandoned = true;
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
