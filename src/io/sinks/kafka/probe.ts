// The idle sink's health check: an idle producer holds no heartbeat and kafkajs tells nothing
// when the brokers go away, so while a producer is connected and neither a send nor a probe
// succeeded for probeIntervalMs, one metadata request (an admin client's describeCluster,
// through a kafkajs client of its own without retries) asks the brokers, bounded by
// probeTimeoutMs. See KafkaSink's comment for the rules.
import { performance } from 'node:perf_hooks';
import type Logger from 'bunyan';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { withTimeout } from '../../deadline';
import { errorMessage } from './failures';

/** What the probe asks of its sink, and tells it. */
export interface ProbedSink {
  closed(): boolean;
  /** The connected producer, or null while (re)connecting. */
  producer(): Producer | null;
  /** A send is in flight. */
  sending(): boolean;
  /** A probe failed: the sink is unavailable and replaces the producer. */
  unreachable(reason: string): void;
}

export class BrokerProbe {
  private admin: Admin | null = null;
  /** The next probe check; set only while a producer is connected. */
  private timer: NodeJS.Timeout | undefined;
  /** The probe under way (settles once its request did, however long after timeoutMs). */
  private probing: Promise<void> | null = null;
  /** performance.now() of the last sign of life of the brokers: connected, a send acknowledged, a probe answered. */
  private lastContactAt = 0;
  /** How many sends started so far (a probe's outcome is ignored once a send started meanwhile). */
  private sendsStarted = 0;

  /** `client`: the probes' own kafkajs client (no retries, short timeouts); its admin client is connected on first use. */
  constructor(
    private readonly sink: ProbedSink,
    private readonly client: Kafka,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {}

  /** The brokers answered (a connect, an acknowledged send). */
  contact(): void {
    this.lastContactAt = performance.now();
  }

  sendStarted(): void {
    this.sendsStarted += 1;
  }

  /** Stops probing; resolves once the admin client disconnected. */
  close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const admin = this.admin;
    this.admin = null;
    return admin ? this.retireAdmin(admin) : Promise.resolve();
  }

  /** Arms the next probe check (when none is armed, a producer is connected and probing is on). */
  schedule(delay?: number): void {
    const interval = this.intervalMs;
    if (this.timer || this.sink.closed() || !this.sink.producer() || interval === 0) return;
    const ms = delay ?? Math.max(0, this.lastContactAt + interval - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.check();
    }, ms);
    this.timer.unref();
  }

  /** Probes when the producer has been idle for probeIntervalMs; otherwise looks again later. */
  private check(): void {
    // No producer: the connect loop arms the check again once it connected one.
    if (this.sink.closed() || !this.sink.producer()) return;
    // A probe under way arms the check again once it settled.
    if (this.probing) return;
    if (this.sink.sending()) {
      this.schedule(this.intervalMs);
      return;
    }
    if (performance.now() - this.lastContactAt < this.intervalMs) {
      this.schedule();
      return;
    }
    this.run();
  }

  private run(): void {
    const producer = this.sink.producer();
    if (!producer) return;
    const sendsStarted = this.sendsStarted;
    const startedAt = performance.now();
    const admin = (this.admin ??= this.client.admin());
    const request = (async () => {
      await admin.connect(); // returns at once while connected
      await admin.describeCluster();
    })();
    const settled = request.then(
      () => undefined,
      () => undefined,
    );
    this.probing = settled;
    const timeoutMs = this.timeoutMs;
    withTimeout(request, timeoutMs, `no answer within ${timeoutMs} ms`)
      .then(
        () => this.settled(producer, sendsStarted, startedAt, admin, null),
        (err: unknown) => this.settled(producer, sendsStarted, startedAt, admin, err),
      )
      .catch((err: unknown) => this.log.error({ err }, 'kafka: internal error after a probe'));
    void settled.then(() => {
      if (this.probing === settled) this.probing = null;
      this.schedule();
    });
  }

  private settled(producer: Producer, sendsStarted: number, startedAt: number, admin: Admin, err: unknown): void {
    if (this.sink.closed()) return;
    const ms = Math.round(performance.now() - startedAt);
    if (err === null) {
      this.log.trace({ ms }, 'kafka: probe answered');
      if (this.sink.producer() === producer) this.lastContactAt = Math.max(this.lastContactAt, performance.now());
      return;
    }
    // kafkajs' describeCluster fails with a TypeError when no broker answered its request.
    const message = err instanceof TypeError ? 'no broker answered' : errorMessage(err);
    // The next probe starts from a new admin client.
    if (this.admin === admin) {
      this.admin = null;
      void this.retireAdmin(admin, this.probing ?? undefined);
    }
    if (this.sink.producer() !== producer) return; // replaced meanwhile
    if (this.sink.sending() || this.sendsStarted !== sendsStarted) {
      this.log.debug({ err, ms }, `kafka: probe failed while a send started meanwhile, ignored: ${message}`);
      return;
    }
    const reason = `kafka: the brokers did not answer a probe after ${Math.round(performance.now() - this.lastContactAt)} ms idle: ${message}; reconnecting`;
    this.log.error({ err, ms }, reason);
    this.sink.unreachable(reason);
  }

  /**
   * Disconnects a probe admin client now and, when a probe of it is still under way (which
   * kafkajs may complete by connecting again), again once that settled. Resolves after the
   * first disconnect.
   */
  private retireAdmin(admin: Admin, pending?: Promise<unknown>): Promise<void> {
    const disconnect = (): Promise<void> =>
      withTimeout(admin.disconnect(), 5000, 'disconnect timed out').catch((err: unknown) =>
        this.log.debug({ err }, 'kafka: disconnecting the probe client failed'),
      );
    const first = disconnect();
    const under = pending ?? this.probing;
    if (under) void under.then(disconnect);
    return first;
  }
}
