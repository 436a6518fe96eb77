import type Logger from 'bunyan';
import { connect as connectManager, type AmqpConnectionManager } from 'amqp-connection-manager';
import { type ChannelModel, type ConfirmChannel, type Message } from 'amqplib';
import { BehaviorSubject, Observable } from 'rxjs';
import { Backoff } from '../../../contracts/backoff';
import { SinkError, type Format, type OutboundMessage, type RecordAddressing, type Sink, type SinkFailure } from '../../../contracts/sink';
import { DEFAULT_CLOSE_TIMEOUT_MS, settledWithin } from '../../deadline';
import { NO_SINK_METRICS, type SinkMetrics, type SinkState } from '../../../contracts/sink-metrics';
import { type Bundle, Confirms } from './confirms';
import { corkSocket, socketOf } from './cork';
import { type AmqpEncoder, amqpEncoder } from './encoder';
import { PublishFrames } from './publish-frames';
import { type RawChannel, rawChannelOf } from './raw-channel';
import { type AmqpNode, amqpConnectOptions, amqpNodeUrls, checkAmqpSinkOptions, type AmqpSinkOptions } from './options';

const noop = () => {};

/** What the connection's socket buffers before it asks amqplib's multiplexer to wait for 'drain'. */
const SOCKET_BUFFER_BYTES = 1024 * 1024;

/**
 * A chunk of the channel's write stream holds the frames of the messages of one bundle up to
 * this many bytes (or one message, when larger): a few chunks a bundle, rather than amqplib's
 * two objects a message, each through the stream and the multiplexer and an iovec of the
 * socket's writev.
 */
const FRAME_CHUNK_BYTES = 64 * 1024;

/**
 * The chunks the channel's write stream takes before its write says "wait for 'drain'": with
 * as many again held on its readable side, about 2 MiB of frames wait for the socket, as
 * with amqplib's default of 1024 frames of two a message.
 */
const FRAME_CHUNKS_BUFFERED = 16;

/** The ready channel's own write path, when amqplib's internals are as raw-channel.ts expects. */
interface Framer {
  readonly raw: RawChannel;
  readonly frames: PublishFrames;
}

/** One broker connection, from its 'connect' to its 'close'. */
interface Conn {
  readonly model: ChannelModel;
  closed: boolean;
  /** We asked it to close, to get a fresh connection and channel (after a channel failure). */
  restarting: boolean;
}

/**
 * Publishes bundles to a RabbitMQ exchange on one ConfirmChannel, with publisher confirms
 * and `mandatory`: a bundle completes once the broker acked every message of it, and fails
 * with a SinkError when any is nacked ('nack') or returned unroutable ('returned'), when the
 * channel or connection is lost first ('down'), or when the broker blocks the connection
 * ('blocked'). While unavailable (not connected, blocked) publish fails at once: nothing is
 * queued for later.
 *
 * The connection is kept by amqp-connection-manager; the ConfirmChannel is the sink's own
 * (the manager's ChannelWrapper would queue messages while disconnected and resend them
 * with per-message promises). Reconnect waits follow the decorrelated-jitter schedule
 * between retryMs and maxRetryMs, set on the manager before each wait; a channel failure
 * (e.g. the exchange cannot be declared) also restarts the connection, with the same waits.
 *
 * With several nodes (`hosts`), the manager tries them in turn, round robin. A node that does
 * not answer is followed at once by the next one; only when every node of a round failed does
 * the sink wait its backoff delay. A connection lost after it was in use (its channel had been
 * ready) goes on to the next node at once, so a bundle sees 503s only while the sink fails over.
 * The exchange is declared on each node the sink connects to.
 */
export class AmqpSink implements Sink {
  readonly name: string;
  readonly format: Format;
  readonly addressing?: RecordAddressing;
  readonly unavailable$: Observable<string | null>;
  readonly degraded$: Observable<string | null>;

  private readonly encoder: AmqpEncoder;
  private readonly log: Logger;
  /** Every node, for the messages that are not about one. */
  private readonly display: string;
  private readonly nodes: readonly AmqpNode[];
  /** The node connected to, or undefined. */
  private node: AmqpNode | undefined;
  /** Connect attempts that failed since the last connection, to wait only after a whole round of the nodes. */
  private failedInRound = 0;
  /** Why the latest connect attempt failed (a TLS or login error, say), for the down reason; null once connected. */
  private lastConnectError: string | null = null;
  private readonly manager: AmqpConnectionManager;
  private readonly backoff: Backoff;
  private readonly unavailable: BehaviorSubject<string | null>;
  /** Why the latest bundles came back unroutable, until a bundle is confirmed again (see degraded$). */
  private readonly unroutable = new BehaviorSubject<string | null>(null);

  private conn: Conn | undefined;
  /** The ready channel (exchange declared), or undefined. */
  private channel: ConfirmChannel | undefined;
  /** How the ready channel's messages are written: the sink's own frames, or (undefined) amqplib's publish. */
  private framer: Framer | undefined;
  private blockedReason: string | null = null;
  private readonly metrics: SinkMetrics;
  /** Connected at least once: each later connection is a reconnect. */
  private connectedBefore = false;
  private closed = false;
  private closing: Promise<void> | undefined;

  /** The bundles awaiting their confirms. */
  private readonly confirms: Confirms;
  /** Bundles with messages not yet written to the channel, oldest first. */
  private queue: Bundle[] = [];
  /** False from a `publish` that returned false until the channel's 'drain'. */
  private hasRoom = true;
  private pumping = false;

  constructor(private readonly options: AmqpSinkOptions) {
    checkAmqpSinkOptions(options);
    this.name = options.name ?? 'amqp';
    this.format = options.format;
    this.encoder = amqpEncoder(options);
    this.addressing = this.encoder.addressing;
    this.nodes = amqpNodeUrls(options);
    this.display = this.nodes.map((n) => n.display).join(', ');
    this.log = options.log.child({ sink: this.name, broker: this.display });
    if (options.scheme === 'amqps' && options.verify === false) {
      this.log.warn("amqp.verify = false: the broker's certificate and name are not checked");
    }
    this.backoff = new Backoff({ base: options.retryMs, cap: options.maxRetryMs, random: options.random });
    this.metrics = options.metrics ?? NO_SINK_METRICS;
    this.confirms = new Confirms(this.name, () => this.metrics.refused(this.name, 'nack', 1));
    this.unavailable = new BehaviorSubject<string | null>(this.downReason());
    this.metrics.state(this.name, 'down');
    this.unavailable$ = this.unavailable.asObservable();
    this.degraded$ = this.unroutable.asObservable();

    // amqplib hands these to net.connect as well, hence the socket's buffer size
    // TLS files read here, so that a file unreadable at the start stops it (the config check says so first, naming the key).
    const connectionOptions = {
      ...amqpConnectOptions(options),
      clientProperties: { connection_name: `gracc-collector ${this.name}` },
      // amqplib's multiplexer moves frames to the socket until its buffer is full: with the
      // default 16 KiB, three or four records a system call. Bundles fit in this (see
      // corkSocket); the channel's own buffer still applies back-pressure.
      writableHighWaterMark: SOCKET_BUFFER_BYTES,
      noDelay: true,
    };
    this.manager = connectManager(
      this.nodes.map(({ url }) => ({ url, connectionOptions })),
      {
        heartbeatIntervalInSeconds: options.heartbeatSeconds ?? 10,
        // replaced before every wait, see onDisconnect / onConnectFailed
        reconnectTimeInSeconds: options.retryMs / 1000,
      },
    );
    this.manager.on('connect', ({ url }: { url: unknown }) => this.onConnect(url));
    this.manager.on('connectFailed', ({ err, url }: { err: Error; url: unknown }) => this.onConnectFailed(err, url));
    this.manager.on('disconnect', ({ err }: { err?: Error }) => this.onDisconnect(err));
    this.manager.on('blocked', ({ reason }: { reason?: string }) => this.onBlocked(reason));
    this.manager.on('unblocked', () => this.onUnblocked());
  }

  publish(messages: readonly OutboundMessage[]): Observable<never> {
    return new Observable<never>((subscriber) => {
      if (this.closed || !this.channel || this.blockedReason !== null) {
        subscriber.error(this.unavailableError());
        return;
      }
      if (messages.length === 0) {
        subscriber.complete();
        return;
      }
      const bundle = this.confirms.open(messages, {
        complete: () => {
          this.routedAgain();
          subscriber.complete();
        },
        error: (e) => subscriber.error(e),
      });
      this.queue.push(bundle);
      this.pump();
      return () => {
        // unsubscribed (e.g. the caller's timeout): stop writing what is left of it
        this.confirms.forget(bundle);
      };
    });
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.failAll('down', 'the sink was closed');
    this.channel = undefined;
    this.update();
    // a connect attempt in progress that fails would otherwise wait a whole backoff delay
    this.manager.reconnectTimeInSeconds = 0;
    const closed = this.manager.close().catch((err: unknown) => this.log.warn({ err }, 'closing the amqp connection failed'));
    // amqplib calls close back only on the broker's CloseOk: never when the broker stalls or
    // the connection is lost meanwhile (a heartbeat timeout or socket error does not).
    const ms = this.options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.closing = settledWithin(closed, ms).then((inTime) => {
      if (inTime) {
        this.log.info('amqp sink closed');
      } else {
        socketOf(this.manager.connection ?? this.conn?.model)?.destroy?.();
        this.log.warn({ closeTimeoutMs: ms }, 'the amqp broker did not confirm closing the connection in time: connection dropped');
      }
      this.unavailable.complete();
      this.unroutable.complete();
    });
    return this.closing;
  }

  // --- publishing

  /** Writes queued messages while the channel takes them; resumes on 'drain'. */
  private pump(): void {
    const ch = this.channel;
    if (!ch || this.pumping) return;
    this.pumping = true;
    const uncork = corkSocket(ch);
    const { framer } = this;
    try {
      while (this.hasRoom && this.queue.length > 0) {
        const bundle = this.queue[0]!;
        if (bundle.done) {
          this.queue.shift();
          continue;
        }
        let room: boolean;
        try {
          room = framer ? this.writeFrames(framer, bundle) : this.publishNext(ch, bundle);
        } catch (err) {
          // the channel is closed or closing (its 'close' fails the rest), or a message cannot be encoded
          bundle.written = bundle.messages.length;
          this.confirms.settle(bundle, 'down', `could not publish: ${(err as Error).message}`);
          room = true;
        }
        if (bundle.written === bundle.messages.length && this.queue[0] === bundle) this.queue.shift();
        if (!room) this.hasRoom = false;
      }
    } finally {
      this.pumping = false;
      uncork();
    }
  }

  /**
   * Writes the next messages of the bundle, up to FRAME_CHUNK_BYTES of their frames, as one
   * chunk of the channel's write stream (see publish-frames.ts, raw-channel.ts).
   */
  private writeFrames({ raw, frames }: Framer, bundle: Bundle): boolean {
    if (!raw.isOpen()) throw new Error('the channel is closing');
    const { messages, id } = bundle;
    const { encoder } = this;
    const start = bundle.written;
    let end = start;
    let bytes = 0;
    do {
      bytes += frames.size(encoder.routingKey(messages[end]!), messages[end]!, id, end);
      end++;
    } while (end < messages.length && bytes < FRAME_CHUNK_BYTES);
    const chunk = Buffer.allocUnsafe(bytes);
    let offset = 0;
    for (let i = start; i < end; i++) offset = frames.write(chunk, offset, encoder.routingKey(messages[i]!), messages[i]!, id, i);
    if (offset !== bytes) throw new Error(`internal error: ${offset} bytes of publish frames written, ${bytes} expected`);
    bundle.written = end;
    return raw.write(chunk, end - start, bundle.onConfirm);
  }

  /** Publishes the bundle's next message through amqplib's API (when its internals are not as publish-frames expects). */
  private publishNext(ch: ConfirmChannel, bundle: Bundle): boolean {
    const index = bundle.written++;
    const message = bundle.messages[index]!;
    return ch.publish(
      this.options.exchange,
      this.encoder.routingKey(message),
      message.body,
      {
        persistent: true,
        mandatory: true,
        contentType: message.contentType,
        messageId: this.confirms.messageId(bundle, index),
      },
      bundle.onConfirm,
    );
  }

  /** A bundle was confirmed: records are routed again (see degraded$). */
  private routedAgain(): void {
    if (this.unroutable.value !== null && !this.unroutable.closed) {
      this.log.info('a bundle was confirmed: records are routed again');
      this.unroutable.next(null);
    }
  }

  private failAll(failure: SinkFailure, message: string): void {
    this.queue = [];
    if (this.confirms.size === 0) return;
    this.log.warn({ bundles: this.confirms.size, failure }, `failing unconfirmed bundles: ${message}`);
    this.confirms.failAll(failure, message);
  }

  /** A message published with `mandatory` could not be routed; its ack follows. */
  private onReturn(message: Message): void {
    this.metrics.refused(this.name, 'returned', 1);
    const found = this.confirms.returned(message.properties.messageId);
    if (!found) return;
    const { bundle, index } = found;
    const key = bundle.messages[index]?.key;
    const fields = message.fields as unknown as { replyCode?: number; replyText?: string; exchange: string; routingKey: string };
    this.noteUnroutable(fields);
    this.confirms.settle(
      bundle,
      'returned',
      `record ${key ? `${key} ` : ''}(#${index} of the bundle) returned by the broker: ` +
        `${fields.replyCode ?? ''} ${fields.replyText ?? ''} (exchange '${fields.exchange}', routing key '${fields.routingKey}')`,
    );
  }

  /** A return makes the sink degraded (not ready) until a bundle is confirmed; bundles are still tried meanwhile. */
  private noteUnroutable(fields: { replyCode?: number; replyText?: string; exchange: string; routingKey: string }): void {
    if (this.unroutable.closed) return;
    const reason = `records returned unroutable (${fields.replyCode ?? '?'} ${fields.replyText ?? ''}) by exchange '${fields.exchange}', ` +
      `routing key '${fields.routingKey}': is no queue bound? (cleared by the next bundle confirmed)`;
    if (reason === this.unroutable.value) return;
    this.log.warn({ replyCode: fields.replyCode, replyText: fields.replyText, exchange: fields.exchange, routingKey: fields.routingKey }, 'records returned unroutable: not ready until a bundle is confirmed');
    this.unroutable.next(reason);
  }

  // --- connection and channel

  /** Which of several nodes the sink is connected to (null while none, or with a single node). */
  nodeInUse(): string | null {
    return this.nodes.length > 1 && this.channel ? (this.node?.display ?? null) : null;
  }

  private nodeOf(url: unknown): AmqpNode | undefined {
    return this.nodes.find((n) => n.url === url);
  }

  private onConnect(url: unknown): void {
    const model = this.manager.connection;
    if (!model || this.closed) return;
    const conn: Conn = { model, closed: false, restarting: false };
    this.conn = conn;
    this.node = this.nodeOf(url);
    this.failedInRound = 0;
    this.lastConnectError = null;
    this.blockedReason = null;
    if (this.connectedBefore) this.metrics.reconnected(this.name);
    this.connectedBefore = true;
    model.once('close', () => {
      conn.closed = true;
    });
    this.log.info({ node: this.node?.display }, 'connected to amqp broker');
    void this.openChannel(conn);
  }

  private async openChannel(conn: Conn): Promise<void> {
    const { exchange, exchangeType, durable, autoDelete, internal } = this.options;
    try {
      const { channel, framer } = await this.createChannel(conn);
      channel.on('error', (err: Error) => this.log.warn({ err }, 'amqp channel error'));
      // before amqplib's own 'close' listener, which fails the pending confirm callbacks
      // with errors that would otherwise read as nacks (and after it, to count nacks again)
      channel.prependListener('close', () => {
        this.confirms.channelClosing = true;
        this.onChannelClose(conn, channel);
      });
      channel.on('close', () => (this.confirms.channelClosing = false));
      channel.on('return', (message: Message) => this.onReturn(message));
      channel.on('drain', () => {
        if (this.channel !== channel) return;
        this.hasRoom = true;
        this.pump();
      });
      await channel.assertExchange(exchange, exchangeType, { durable, autoDelete, internal });
      if (this.closed || conn.closed || this.conn !== conn) {
        await channel.close().catch(noop);
        return;
      }
      this.channel = channel;
      this.framer = framer;
      this.hasRoom = true;
      this.backoff.reset();
      this.log.info({ exchange, exchangeType, node: this.node?.display }, 'amqp channel ready');
      this.update();
    } catch (err) {
      if (this.closed || conn.closed) return;
      this.log.error({ err, exchange, exchangeType }, 'could not open the amqp channel or declare the exchange');
      this.restart(conn);
    }
  }

  /**
   * A confirm channel whose write stream holds FRAME_CHUNKS_BUFFERED chunks of frames, written
   * by the sink itself; or, when amqplib's internals are not as raw-channel.ts expects, one with
   * amqplib's own buffer (counted in frames, two a message), published to through its API.
   */
  private async createChannel(conn: Conn): Promise<{ channel: ConfirmChannel; framer: Framer | undefined }> {
    if (!this.options.amqplibPublish) {
      const channel = await conn.model.createConfirmChannel({ highWaterMark: FRAME_CHUNKS_BUFFERED });
      const raw = rawChannelOf(channel);
      if (typeof raw !== 'string') return { channel, framer: { raw, frames: new PublishFrames(raw.number, raw.frameMax, this.options.exchange) } };
      this.log.warn({ why: raw }, "amqplib's internals are not as this build expects: publishing through its API instead (more CPU a message)");
      await channel.close();
    }
    return { channel: await conn.model.createConfirmChannel(), framer: undefined };
  }

  private onChannelClose(conn: Conn, ch: ConfirmChannel): void {
    if (this.channel === ch) {
      this.channel = undefined;
      this.hasRoom = true;
      this.failAll('down', `the channel to ${this.display} closed before every message was confirmed`);
      this.update();
    }
    this.restart(conn);
  }

  /**
   * The channel is gone but maybe not the connection (a channel error): close the connection,
   * so that the manager reconnects (after a backoff wait) and a new channel is set up.
   */
  private restart(conn: Conn): void {
    if (conn.restarting) return;
    conn.restarting = true;
    // when the connection itself closes, amqplib closes its channels first and then emits the
    // connection's 'close' in the same tick: look again after that
    setImmediate(() => {
      if (this.closed || conn.closed) return;
      this.log.warn('amqp channel lost while connected: reconnecting');
      conn.model.close().catch(noop);
    });
  }

  private onDisconnect(err: Error | undefined): void {
    const node = this.node?.display ?? this.display;
    // In use until now (its channel was ready, the backoff reset): the next node is tried at once.
    const wasHealthy = this.backoff.attempts === 0;
    this.conn = undefined;
    this.channel = undefined;
    this.node = undefined;
    this.blockedReason = null;
    this.failAll('down', `lost the connection to ${node} before every message was confirmed`);
    this.update();
    this.scheduleReconnect(err, { node }, 'amqp connection lost; reconnecting', wasHealthy && this.nodes.length > 1);
  }

  private onConnectFailed(err: Error, url: unknown): void {
    this.failedInRound += 1;
    this.lastConnectError = `${this.nodeOf(url)?.display ?? 'connect'}: ${err.message}`;
    this.update();
    const roundLeft = this.failedInRound % this.nodes.length !== 0;
    this.scheduleReconnect(err, { node: this.nodeOf(url)?.display }, roundLeft ? 'could not connect to this amqp node: trying the next' : 'could not connect to the amqp broker', roundLeft);
  }

  /**
   * The manager waits `reconnectTimeInSeconds` before its next attempt: none when the next
   * node is to be tried at once (or once closed), else the next backoff delay.
   */
  private scheduleReconnect(err: Error | undefined, fields: { node?: string }, what: string, nextNodeNow: boolean): void {
    if (this.closed || nextNodeNow) {
      this.manager.reconnectTimeInSeconds = 0;
      if (!this.closed) this.log.warn({ err, ...fields }, what);
      return;
    }
    const delay = this.backoff.next();
    this.manager.reconnectTimeInSeconds = delay / 1000;
    this.log.warn({ err, ...fields, retryInMs: Math.round(delay), attempt: this.backoff.attempts }, what);
  }

  private onBlocked(reason: string | undefined): void {
    this.blockedReason = reason || 'no reason given';
    this.log.warn({ reason: this.blockedReason }, 'the amqp broker blocked the connection');
    this.failAll('blocked', `${this.display} blocked the connection: ${this.blockedReason}`);
    this.update();
  }

  private onUnblocked(): void {
    this.blockedReason = null;
    this.log.info('the amqp broker unblocked the connection');
    this.update();
  }

  // --- availability

  private downReason(): string {
    const last = this.lastConnectError === null ? '' : ` (last attempt: ${this.lastConnectError})`;
    return `not connected to ${this.display}${last}`;
  }

  private reason(): string | null {
    if (this.closed) return 'the amqp sink is closed';
    if (!this.channel) return this.downReason();
    if (this.blockedReason !== null) return `${this.display} blocked the connection: ${this.blockedReason}`;
    return null;
  }

  private unavailableError(): SinkError {
    const failure: SinkFailure = !this.closed && this.channel && this.blockedReason !== null ? 'blocked' : 'down';
    return new SinkError(this.name, failure, this.reason() ?? this.downReason());
  }

  private update(): void {
    if (this.unavailable.closed) return;
    const reason = this.reason();
    if (reason === this.unavailable.value) return;
    this.unavailable.next(reason);
    const state: SinkState = reason === null ? 'connected' : !this.closed && this.channel && this.blockedReason !== null ? 'blocked' : 'down';
    this.metrics.state(this.name, state);
  }
}

/** Creates the AMQP sink; it starts connecting at once (see `unavailable$`). */
export function createAmqpSink(options: AmqpSinkOptions): AmqpSink {
  return new AmqpSink(options);
}
