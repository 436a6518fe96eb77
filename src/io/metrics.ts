import type { Worker } from 'node:cluster';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { aggregateCluster, type MetricsJson, type ProcessMetrics, retire } from './cluster-aggregate';
import type { SinkFailure } from '../contracts/sink';
import { SINK_STATES, type SinkMetrics, type SinkState } from '../contracts/sink-metrics';

/** What one finished request adds to the counters. */
export interface RequestOutcome {
  readonly status: number;
  readonly records: number;
  readonly handshakes: number;
  readonly seconds: number;
}

/** The /stats document, as the earlier collector served it. */
export type Stats = Record<'Records' | 'RecordErrors' | 'Requests' | 'RequestErrors' | 'Handshakes', number>;

export type { MetricsJson } from './cluster-aggregate';

/** Where /metrics, /stats and /readyz are read from: this process, or the whole cluster. */
export interface MetricsSource {
  exposition(): Promise<{ contentType: string; text: string }>;
  stats(): Promise<Stats>;
  /** Why the collector is not ready (see readiness.ts); empty when it is. */
  readiness(): Promise<readonly string[]>;
}

export interface CollectorMetricsOptions {
  /** Bundle bytes held by requests in flight, read at each collection. */
  readonly inFlightBytes?: () => number;
  /** This process's readiness reasons, read at each /readyz (see readiness.ts); none by default. */
  readonly readiness?: () => readonly string[];
  /** The `gracc_build_info` gauge's labels: the collector's version and Node's. */
  readonly build?: { readonly version: string; readonly node: string };
}

/**
 * The collector's counters, served as Prometheus text on /metrics and, for the earlier
 * collector's users, as the JSON of /stats (derived from the same counters); and its
 * readiness, for /readyz.
 *
 * With several workers (node:cluster) each worker counts its own requests and has its own
 * sinks; /metrics, /stats and /readyz must describe the whole collector, so a worker's
 * `source` is replaced by one that asks the primary (see `readFromPrimary`), which collects
 * every worker's registry and adds them up with prom-client's AggregatorRegistry, or every
 * worker's readiness reasons (see `ClusterMetrics`).
 */
export class CollectorMetrics {
  readonly registry = new Registry();
  private readonly records = new Counter({ name: 'gracc_records_total', help: 'Records confirmed by every sink', registers: [this.registry] });
  private readonly recordErrors = new Counter({ name: 'gracc_record_errors_total', help: 'Records of bundles that were not accepted', registers: [this.registry] });
  private readonly requests = new Counter({ name: 'gracc_requests_total', help: 'Requests answered, by status', labelNames: ['status'], registers: [this.registry] });
  private readonly requestErrors = new Counter({ name: 'gracc_request_errors_total', help: 'Requests answered with anything but 200 OK', registers: [this.registry] });
  private readonly connectionsClosed = new Counter({
    name: 'gracc_connections_closed_total', help: 'Connections closed by the collector before a request: over maxConnections, headers not in time, malformed',
    labelNames: ['reason'], registers: [this.registry],
  });
  private readonly handshakes = new Counter({ name: 'gracc_handshakes_total', help: 'ProbeDetails handshakes and pings acknowledged', registers: [this.registry] });
  private readonly duration = new Histogram({
    name: 'gracc_request_duration_seconds', help: 'Time from request to answer', labelNames: ['status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry],
  });
  private readonly transformDropped = new Counter({
    name: 'gracc_transform_dropped_total', help: 'Records a transform dropped (a filter), by transform name; accepted, not published',
    labelNames: ['transform'], registers: [this.registry],
  });
  private readonly transformChanged = new Counter({
    name: 'gracc_transform_changed_total', help: 'Records a transform changed (set, rename, …), by transform name',
    labelNames: ['transform'], registers: [this.registry],
  });
  readonly inFlightBytes: Gauge;
  /** Across workers, the worst: 1 if the sink is unavailable to any of them. */
  readonly sinkUnavailable = new Gauge({
    name: 'gracc_sink_unavailable', help: '1 while a sink cannot take bundles (down or blocked)', labelNames: ['sink'],
    aggregator: 'max', registers: [this.registry],
  });

  /** Where the operators and the sinks report each sink's bundles and events. */
  readonly sinks: SinkMetrics = new PrometheusSinkMetrics(this.registry);

  // Every worker counts each reload the primary relays to it: across workers the figures are
  // the same, not to be added up.
  private readonly configReloads = new Counter({
    name: 'gracc_config_reloads_total', help: 'Configuration reloads (SIGHUP), by result: ok, or failed (the collector ran on as before)',
    labelNames: ['result'], aggregator: 'max', registers: [this.registry],
  });
  private readonly lastConfigLoad = new Gauge({
    name: 'gracc_config_last_reload_success_timestamp_seconds', help: 'When the configuration in use was loaded (at start or by the last successful reload), Unix seconds',
    aggregator: 'max', registers: [this.registry],
  });
  private readonly buildInfo = new Gauge({
    name: 'gracc_build_info', help: "Always 1; the collector's version and Node's as labels", labelNames: ['version', 'node'],
    aggregator: 'max', registers: [this.registry],
  });

  /** This process's own readiness reasons. */
  readonly localReadiness: () => readonly string[];

  /** Replaced in a cluster worker by `readFromPrimary`. */
  source: MetricsSource = {
    exposition: async () => ({ contentType: this.registry.contentType, text: await this.registry.metrics() }),
    stats: async () => statsOf(await this.registry.getMetricsAsJSON()),
    readiness: async () => this.localReadiness(),
  };

  constructor(options: CollectorMetricsOptions = {}) {
    this.localReadiness = options.readiness ?? (() => []);
    const inFlight = options.inFlightBytes;
    this.inFlightBytes = new Gauge({
      name: 'gracc_in_flight_bytes', help: 'Bundle bytes held by requests in flight', registers: [this.registry],
      collect() {
        if (inFlight) this.set(inFlight());
      },
    });
    collectDefaultMetrics({ register: this.registry });
    if (options.build) this.buildInfo.set({ version: options.build.version, node: options.build.node }, 1);
    for (const result of ['ok', 'failed']) this.configReloads.inc({ result }, 0);
    this.lastConfigLoad.setToCurrentTime();
  }

  /** A reload (SIGHUP) done: the new configuration in use, or (`ok` false) refused, the old one kept. */
  configReloaded(ok: boolean): void {
    this.configReloads.inc({ result: ok ? 'ok' : 'failed' });
    if (ok) this.lastConfigLoad.setToCurrentTime();
  }

  requestDone(outcome: RequestOutcome): void {
    const status = String(outcome.status);
    this.requests.inc({ status });
    this.duration.observe({ status }, outcome.seconds);
    this.handshakes.inc(outcome.handshakes);
    if (outcome.status === 200) {
      this.records.inc(outcome.records);
    } else {
      this.requestErrors.inc();
      // A bundle that failed before its records were counted still failed at least one.
      this.recordErrors.inc(Math.max(outcome.records, 1));
    }
  }

  /**
   * The counters of one transform (src/transforms/transform.ts's TransformTally), by its name.
   * Counted as the transform sees the records, whatever the bundle's answer: a bundle sent
   * again after a 503 is counted again.
   */
  transformTally(name: string): { dropped(count?: number): void; changed(count?: number): void } {
    const dropped = this.transformDropped.labels({ transform: name });
    const changed = this.transformChanged.labels({ transform: name });
    // Shown as 0 from the start, so that a rate can be taken before the first record.
    dropped.inc(0);
    changed.inc(0);
    return { dropped: (n = 1) => dropped.inc(n), changed: (n = 1) => changed.inc(n) };
  }

  /** A connection closed without a request answered: `limit` (over maxConnections), `timeout` (no headers within idleTimeout), `malformed`. */
  connectionClosed(reason: 'limit' | 'timeout' | 'malformed'): void {
    this.connectionsClosed.inc({ reason });
  }

  /** The Prometheus text of /metrics. */
  exposition(): Promise<{ contentType: string; text: string }> {
    return this.source.exposition();
  }

  /** The /stats document. */
  stats(): Promise<Stats> {
    return this.source.stats();
  }

  /** The reasons /readyz gives for answering 503; none for 200. */
  readiness(): Promise<readonly string[]> {
    return this.source.readiness();
  }
}

/** Each sink's counters, histogram and state gauge (see SinkMetrics), in a registry. */
export class PrometheusSinkMetrics implements SinkMetrics {
  private readonly publishedRecords: Counter<'sink'>;
  private readonly confirmedRecords: Counter<'sink'>;
  private readonly failedBundles: Counter<'sink' | 'failure'>;
  private readonly nackedRecords: Counter<'sink'>;
  private readonly returnedRecords: Counter<'sink'>;
  private readonly reconnects: Counter<'sink'>;
  private readonly confirmSeconds: Histogram<'sink'>;
  private readonly states: Gauge<'sink' | 'state'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.publishedRecords = new Counter({ name: 'gracc_sink_records_published_total', help: 'Records handed to a sink', labelNames: ['sink'], registers });
    this.confirmedRecords = new Counter({ name: 'gracc_sink_records_confirmed_total', help: 'Records a sink confirmed', labelNames: ['sink'], registers });
    this.failedBundles = new Counter({
      name: 'gracc_sink_bundles_failed_total', help: 'Bundles a sink did not confirm, by why: nack, returned, timeout, down, blocked, error',
      labelNames: ['sink', 'failure'], registers,
    });
    this.nackedRecords = new Counter({ name: 'gracc_sink_records_nacked_total', help: 'Records the broker refused (nacked)', labelNames: ['sink'], registers });
    this.returnedRecords = new Counter({ name: 'gracc_sink_records_returned_total', help: 'Records the broker returned unroutable', labelNames: ['sink'], registers });
    this.reconnects = new Counter({ name: 'gracc_sink_reconnects_total', help: 'Connections a sink made again after losing one', labelNames: ['sink'], registers });
    this.confirmSeconds = new Histogram({
      name: 'gracc_sink_confirm_duration_seconds', help: 'Time from handing a bundle to a sink to its confirm', labelNames: ['sink'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers,
    });
    // Summed over the workers: how many of them are in each state.
    this.states = new Gauge({
      name: 'gracc_sink_state', help: '1 for the state a sink is in (connected, blocked, down), else 0; with workers, how many are in it',
      labelNames: ['sink', 'state'], aggregator: 'sum', registers,
    });
  }

  published(sink: string, records: number): void {
    this.publishedRecords.inc({ sink }, records);
  }

  confirmed(sink: string, records: number, seconds: number): void {
    this.confirmedRecords.inc({ sink }, records);
    this.confirmSeconds.observe({ sink }, seconds);
  }

  failed(sink: string, failure: SinkFailure): void {
    this.failedBundles.inc({ sink, failure });
  }

  refused(sink: string, how: 'nack' | 'returned', count: number): void {
    (how === 'nack' ? this.nackedRecords : this.returnedRecords).inc({ sink }, count);
  }

  reconnected(sink: string): void {
    this.reconnects.inc({ sink });
  }

  state(sink: string, state: SinkState): void {
    for (const s of SINK_STATES) this.states.set({ sink, state: s }, s === state ? 1 : 0);
  }
}

/** A registry of this process's own metrics only (Node's defaults): the cluster primary's. */
export function processMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The /stats document from the counters' values (of one registry, or of a cluster's aggregate). */
export function statsOf(metrics: MetricsJson): Stats {
  const total = (name: string): number =>
    metrics.find((m) => m.name === name)?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
  return {
    Records: total('gracc_records_total'),
    RecordErrors: total('gracc_record_errors_total'),
    Requests: total('gracc_requests_total'),
    RequestErrors: total('gracc_request_errors_total'),
    Handshakes: total('gracc_handshakes_total'),
  };
}

// --- the cluster: IPC messages between the primary and its workers
//
//   worker → primary   { type: ASK, id, what: 'exposition' | 'stats' | 'readiness' }   a worker was asked /metrics, /stats or /readyz
//   primary → workers  { type: COLLECT, id, what: 'metrics' | 'readiness' }          every worker: send your registry, or your readiness
//   worker → primary   { type: COLLECTED, id, metrics? | readiness? }
//   primary → worker   { type: ANSWER, id, exposition? | stats? | readiness? | error? } the aggregate, to the asking worker
//   worker → primary   { type: PUSH, metrics }   unasked, every PUSH_INTERVAL_MS and once stopped: the primary
//                                                keeps each worker's latest, whose counters outlive the worker

const ASK = 'gracc:metrics?';
const ANSWER = 'gracc:metrics!';
const COLLECT = 'gracc:collect?';
const COLLECTED = 'gracc:collect!';
const PUSH = 'gracc:metrics-push';
const IPC_TIMEOUT_MS = 5_000;
/** How often a worker sends its metrics unasked: what a worker killed outright counted since is lost. */
const PUSH_INTERVAL_MS = 5_000;

// A send to a process that just went away reports the error to its callback, not as an
// 'error' event (which, unheard, would take this process down).
const noop = (): void => {};

/** Sends to a worker if it is still connected; a failure only means it is gone. */
export function sendTo(worker: Worker, message: object): void {
  if (worker.isConnected()) worker.send(message as never, undefined, noop);
}

type Asked = 'exposition' | 'stats' | 'readiness';
type Collected = 'metrics' | 'readiness';

interface Message {
  type?: unknown;
  id?: number;
  what?: Asked | Collected;
  metrics?: MetricsJson;
  exposition?: { contentType: string; text: string };
  stats?: Stats;
  readiness?: readonly string[];
  error?: string;
}

/**
 * In a cluster worker: answers the primary's COLLECT with this worker's registry or
 * readiness, and makes /metrics, /stats and /readyz ask the primary for the whole cluster's.
 */
export function readFromPrimary(metrics: CollectorMetrics, proc: NodeJS.Process = process, pushIntervalMs = PUSH_INTERVAL_MS): { pushNow(): Promise<void> } {
  const push = async (): Promise<void> => {
    const json = await metrics.registry.getMetricsAsJSON();
    await new Promise<void>((resolve) => {
      if (!proc.connected || !proc.send?.({ type: PUSH, metrics: json }, undefined, undefined, () => resolve())) resolve();
    });
  };
  setInterval(() => void push(), pushIntervalMs).unref();
  const waiting = new Map<number, (m: Message) => void>();
  let seq = 0;
  proc.on('message', (m: Message) => {
    if (m?.type === COLLECT) {
      const reply = (answer: Message): void => void proc.send?.({ type: COLLECTED, id: m.id, ...answer }, undefined, undefined, noop);
      if (m.what === 'readiness') reply({ readiness: metrics.localReadiness() });
      else void metrics.registry.getMetricsAsJSON().then((json) => reply({ metrics: json }));
    } else if (m?.type === ANSWER && m.id !== undefined) {
      waiting.get(m.id)?.(m);
    }
  });
  const ask = (what: Asked): Promise<Message> =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      const timer = setTimeout(() => settle({ error: 'the primary process did not answer' }), IPC_TIMEOUT_MS + 1_000);
      function settle(m: Message): void {
        clearTimeout(timer);
        waiting.delete(id);
        if (m.error !== undefined) reject(new Error(m.error));
        else resolve(m);
      }
      waiting.set(id, settle);
      if (!proc.connected || !proc.send?.({ type: ASK, id, what }, undefined, undefined, noop)) settle({ error: 'no channel to the primary process' });
    });
  metrics.source = {
    exposition: async () => (await ask('exposition')).exposition!,
    stats: async () => (await ask('stats')).stats!,
    readiness: async () => (await ask('readiness')).readiness!,
  };
  return { pushNow: push };
}

/**
 * In the cluster's primary: answers a worker's ASK by collecting every live worker's
 * registry and aggregating them (see cluster-aggregate.ts: the collector's metrics added
 * up, each process's own by `pid`), or every worker's readiness reasons (the collector is
 * ready when every worker is; each reason once, whatever the number of workers giving
 * it). A worker that exits meanwhile is left out; one that does not answer in time fails
 * the request (a partial sum would look like a counter reset, a partial readiness like a
 * ready collector). The latest metrics each worker sent (asked, or pushed unasked every few
 * seconds and once it stopped) are kept, and when it exits its counters and histograms stay
 * in the totals: a replaced worker does not make them drop.
 */
export class ClusterMetrics {
  private seq = 0;
  private readonly collecting = new Map<number, { waitingFor: Set<number>; got: Message[]; done: (error?: string) => void }>();
  /** The latest metrics of each worker not yet gone, by worker id. */
  private readonly latest = new Map<number, ProcessMetrics>();
  /** What the workers that exited counted. */
  private retired: MetricsJson = [];

  /** `own`: the primary's own registry (its process metrics), if any. */
  constructor(
    private readonly workers: () => readonly Worker[],
    private readonly own?: Registry,
  ) {}

  /** Feed every message from a worker here; returns false for messages that are not about metrics. */
  onMessage(worker: Worker, m: Message): boolean {
    if ((m?.type === COLLECTED || m?.type === PUSH) && m.metrics) this.note(worker, m.metrics);
    if (m?.type === PUSH) return true;
    if (m?.type === COLLECTED && m.id !== undefined) {
      const c = this.collecting.get(m.id);
      if (c && c.waitingFor.delete(worker.id)) {
        c.got.push(m);
        if (c.waitingFor.size === 0) c.done();
      }
      return true;
    }
    if (m?.type === ASK) {
      void this.answer(m.what === 'stats' || m.what === 'readiness' ? m.what : 'exposition').then(
        (answer) => sendTo(worker, { type: ANSWER, id: m.id, ...answer }),
        (e: Error) => sendTo(worker, { type: ANSWER, id: m.id, error: e.message }),
      );
      return true;
    }
    return false;
  }

  /** A worker exited: stop waiting for it, and keep what it counted. */
  gone(worker: Worker): void {
    const last = this.latest.get(worker.id);
    if (last) this.retired = retire(this.retired, last.metrics);
    this.latest.delete(worker.id);
    this.exited.add(worker.id);
    for (const c of this.collecting.values()) if (c.waitingFor.delete(worker.id) && c.waitingFor.size === 0) c.done();
  }

  /** The whole cluster's metrics, as one registry. */
  async aggregate(): Promise<Registry> {
    await this.collect('metrics');
    // The latest of each worker still there: one that exited meanwhile is in `retired` already.
    const own = this.own ? { pid: process.pid, metrics: await this.own.getMetricsAsJSON() } : undefined;
    return aggregateCluster([...this.latest.values()], this.retired, own);
  }

  /** Every reason any worker gives for not being ready, each once. */
  async readiness(): Promise<string[]> {
    return [...new Set((await this.collect('readiness')).flatMap((m) => m.readiness ?? []))];
  }

  /** Workers that exited: a message of theirs still on its way must not bring them back. */
  private readonly exited = new Set<number>();

  private note(worker: Worker, metrics: MetricsJson): void {
    if (!this.exited.has(worker.id)) this.latest.set(worker.id, { pid: worker.process.pid ?? 0, metrics });
  }

  private async answer(what: Asked): Promise<Pick<Message, 'exposition' | 'stats' | 'readiness'>> {
    if (what === 'readiness') return { readiness: await this.readiness() };
    const registry = await this.aggregate();
    if (what === 'stats') return { stats: statsOf(await registry.getMetricsAsJSON()) };
    return { exposition: { contentType: registry.contentType, text: await registry.metrics() } };
  }

  private collect(what: Collected): Promise<Message[]> {
    const workers = this.workers().filter((w) => w.isConnected());
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(`no ${what} from worker(s) ${[...entry.waitingFor].join(', ')} within ${IPC_TIMEOUT_MS} ms`), IPC_TIMEOUT_MS);
      const done = (error?: string): void => {
        clearTimeout(timer);
        this.collecting.delete(id);
        if (error === undefined) resolve(entry.got);
        else reject(new Error(error));
      };
      const entry = { waitingFor: new Set(workers.map((w) => w.id)), got: [] as Message[], done };
      this.collecting.set(id, entry);
      for (const w of workers) sendTo(w, { type: COLLECT, id, what });
      if (workers.length === 0) done();
    });
  }
}
