import { UsageError } from './usage-error';
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type bunyan from 'bunyan';
import { CONFIG_FLAG, HELP_FLAG, parseArgs, VERSION_FLAG } from './args';
import { type CollectorConfig, ConfigError, describeConfig, loadConfig } from './config';
import { EX_CONFIG } from './exit-codes';
import { Pipeline } from './pipeline';
import { reloadConfig, type ReloadOutcome } from './reload';
import { packageVersion } from './version';
import { settledWithin } from '../io/deadline';
import { HttpService } from '../io/http-server';
import { InFlightBudget } from '../io/in-flight-budget';
import { createServiceLog, type ServiceLog } from '../io/logger';
import { ClusterMetrics, CollectorMetrics, processMetrics, readFromPrimary, sendTo } from '../io/metrics';
import { nodesInUse } from '../io/readiness';

export const SERVE_USAGE = [
  'usage: gracc-collector [-c FILE] [-l stdout|stderr|FILE] [-pprof on|HOST:PORT]',
  '       gracc-collector validate [-c FILE] [--connect]',
  '       gracc-collector convert [--format json|xml|raw | -c CONFIG] [FILE]',
  '       gracc-collector --version',
  '(flags as Go\'s: -c FILE, -c=FILE, --c FILE, --config=FILE)',
].join('\n');


interface ServeArgs {
  configFile?: string;
  logTarget: string;
  pprof?: string;
}

const SERVE_FLAGS = {
  config: CONFIG_FLAG,
  log: { names: ['l', 'log'], type: 'string' },
  pprof: { names: ['pprof'], type: 'string' },
  help: HELP_FLAG,
  version: VERSION_FLAG,
} as const;

/** The serve command line (Go flag syntax, see args.ts); undefined after `-h` or `-version`, which print and exit. */
export function parseServeArgs(args: readonly string[]): ServeArgs | undefined {
  const { flags, positional } = parseArgs(args, SERVE_FLAGS, SERVE_USAGE);
  if (positional.length > 0) throw new UsageError(`unexpected argument ${positional[0]}\n${SERVE_USAGE}`);
  if (flags.help) process.stdout.write(SERVE_USAGE + '\n');
  else if (flags.version) process.stdout.write(`gracc-collector ${packageVersion()}\n`);
  else return { configFile: flags.config, logTarget: flags.log ?? 'stdout', pprof: flags.pprof };
  return undefined;
}

/**
 * Runs the collector until SIGTERM or SIGINT: then it stops accepting, answers the
 * bundles in flight, closes the sinks and exits 0 — or 1 when the sinks did not close in
 * time (see `startService`).
 *
 * With `workers` > 1 (0 = one per CPU) this process becomes the primary of a node:cluster:
 * it forks the workers, each a whole collector (its own sinks, the listening port shared),
 * relays the operator's signals to them, restarts one that dies, and adds up their metrics
 * for /metrics and /stats (metrics.ts). With `workers` = 1 it is the collector itself.
 */
export async function serveCommand(args: readonly string[]): Promise<number> {
  const parsed = parseServeArgs(args);
  if (parsed === undefined) return 0;
  if (cluster.isWorker) return serveAsWorker(parsed, await configFromPrimary());
  let config: CollectorConfig;
  try {
    config = loadConfig({ file: parsed.configFile });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`gracc-collector: configuration: ${e.message}\n`);
      return EX_CONFIG;
    }
    throw e;
  }
  const workers = config.workers === 0 ? availableParallelism() : config.workers;
  if (workers > 1) return servePrimary(parsed, config, workers);

  const serviceLog = createServiceLog(parsed.logTarget, config.loglevel);
  const { log, reopen, toggleDebug, close } = serviceLog;
  log.info({ version: packageVersion(), node: process.version, config: describeConfig(config) }, 'starting');
  const service = await startService(parsed, config, log);
  log.info({ ...listeningOn(config, service.http), sinks: sinkNames(service.pipeline) }, 'listening');
  process.on('SIGUSR1', reopen).on('SIGHUP', () => {
    reopen();
    void service.reload(reloadReported(parsed, service.pipeline.config, log), serviceLog);
  });
  // `logLevel`, not `level`: bunyan drops a line whose fields name `level`.
  process.on('SIGUSR2', () => log.info({ logLevel: toggleDebug() }, 'log level changed'));
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => void stopService(service, signal, close).then(resolve);
    process.once('SIGTERM', () => stop('SIGTERM')).once('SIGINT', () => stop('SIGINT'));
  });
}

interface Service {
  readonly http: HttpService;
  /** The sinks and request options in use, swapped by reloads. */
  readonly pipeline: Pipeline;
  readonly metrics: CollectorMetrics;
  /** Applies a reload's outcome: counts it, and for a valid configuration swaps the pipeline to it. */
  reload(outcome: ReloadOutcome, serviceLog: ServiceLog): Promise<void>;
  /**
   * Stops accepting, answers the bundles in flight, closes the sinks; once, whoever asks.
   * Resolves false when the sinks did not all close in time (the process should then exit anyway, non-zero).
   */
  stop(reason: string): Promise<boolean>;
}

function sinkNames(pipeline: Pipeline): string[] {
  return pipeline.sinks.map((s) => `${s.name}(${s.format})`);
}

/**
 * Loads the configuration again (SIGHUP) and logs the outcome: why it was refused (the
 * collector runs on as it was), or the new configuration and the keys that need a restart.
 */
function reloadReported(parsed: ServeArgs, running: CollectorConfig, log: bunyan): ReloadOutcome {
  const outcome = reloadConfig(parsed.configFile, running);
  if (!outcome.ok) {
    log.error({ reason: outcome.reason }, 'reload refused: the configuration is invalid; running on as before');
    return outcome;
  }
  log.info({ config: describeConfig(outcome.config) }, 'reloading the configuration');
  if (outcome.restartNeeded.length > 0) {
    log.warn({ keys: outcome.restartNeeded }, 'reload: these settings change only with a restart; kept as they were');
  }
  return outcome;
}

/** One whole collector in this process: sinks, HTTP endpoint, metrics, optional pprof listener. */
async function startService(parsed: ServeArgs, config: CollectorConfig, log: bunyan): Promise<Service> {
  // maxInFlightBytes is for the whole collector: each of several workers takes its share,
  // but never less than one body of maxBodySize (an idle worker must take any acceptable bundle).
  const workers = cluster.isWorker ? Number(process.env[WORKER_COUNT_ENV]) || 1 : 1;
  const budget = new InFlightBudget(Math.max(Math.floor(config.maxInFlightBytes / workers), Math.min(config.maxBodySize, config.maxInFlightBytes)));
  let pipeline: Pipeline | undefined;
  const metrics = new CollectorMetrics({
    inFlightBytes: () => budget.inUse,
    readiness: () => pipeline?.readiness() ?? [],
    build: { version: packageVersion(), node: process.version },
  });
  pipeline = new Pipeline(config, { budget, metrics, log });
  const current = pipeline;
  const pprofOnMain = parsed.pprof === 'on';
  const http = new HttpService({
    handleRequest: current.handle, maxBodySize: config.maxBodySize, metrics, log, pprof: pprofOnMain,
    tls: config.tls.enable ? config.tls : undefined,
    nodesInUse: () => nodesInUse(current.sinks),
    idleTimeoutMs: config.idleTimeout, drainTimeoutMs: config.drainTimeout,
    // Like maxInFlightBytes, for the whole collector: each worker takes its share.
    maxConnections: config.maxConnections === 0 ? 0 : Math.max(1, Math.floor(config.maxConnections / workers)),
  });
  if (!config.tls.httpsOnly) await http.listen(config.port, config.address);
  if (config.tls.enable) await http.listenHttps(config.tls.port, config.tls.address || config.address);
  const pprofService = parsed.pprof && !pprofOnMain ? await startPprof(parsed.pprof, http, log) : undefined;
  let stopping: Promise<boolean> | undefined;
  const stop = (reason: string): Promise<boolean> =>
    (stopping ??= (async () => {
      log.info({ signal: reason }, 'stopping: answering the bundles in flight');
      pprofService?.server.close();
      await http.drain();
      const { closeTimeout } = current.config;
      // Each sink bounds its own close by closeTimeout; this is the backstop should one not.
      if (!(await settledWithin(current.close(), closeTimeout + STOP_MARGIN_MS))) {
        log.error({ closeTimeoutMs: closeTimeout }, 'the sinks did not close in time: exiting anyway');
        return false;
      }
      log.info('stopped');
      return true;
    })());
  const reload = async (outcome: ReloadOutcome, serviceLog: ServiceLog): Promise<void> => {
    if (stopping) return;
    if (!outcome.ok) return metrics.configReloaded(false);
    try {
      await current.swap(outcome.config);
    } catch (err) {
      log.error({ err }, 'reload failed: the new sinks could not be made; running on as before');
      return metrics.configReloaded(false);
    }
    serviceLog.setLevel(outcome.config.loglevel);
    // A renewed HTTPS certificate (or other files named): checked with the configuration, read again now.
    if (outcome.config.tls.enable) reloadCertificates(http, outcome.config.tls, log);
    metrics.configReloaded(true);
    log.info({ worker: cluster.worker?.id, sinks: sinkNames(current) }, 'configuration reloaded');
  };
  return { http, pipeline: current, metrics, reload, stop };
}

/** Stops the service, then closes the log; the exit code: 1 when the sinks did not close in time. */
async function stopService(service: Service, why: string, closeLog: () => Promise<void>): Promise<number> {
  const clean = await service.stop(why);
  await closeLog();
  return clean ? 0 : 1;
}

/** How much longer than closeTimeout the collector waits for its sinks' closes before it exits without them. */
const STOP_MARGIN_MS = 2_000;

// --- several workers (node:cluster)

/** Messages from the primary to its workers, besides the metrics ones (metrics.ts). */
const REOPEN_LOG = 'gracc:reopen-log';
const DEBUG = 'gracc:debug';
/** A reload's outcome (SIGHUP), checked by the primary: `{ config }` to swap to, or `{ failed }` to count. */
const RELOAD = 'gracc:reload';
/** From a worker, once it listens. */
const READY = 'gracc:ready';
/** Tells a worker how many there are (for its share of maxInFlightBytes). */
const WORKER_COUNT_ENV = 'COLLECTOR_CLUSTER_SIZE'; // not GRACC_*: those must all be configuration keys
/**
 * Hands a worker the configuration the primary loaded and checked (JSON), the one in use since
 * the last reload: a worker started later (a replacement) must not read a file changed since.
 */
const WORKER_CONFIG = 'gracc:config';
const WORKER_CONFIG_ASK = 'gracc:config?';

/** In a worker: the primary's configuration, asked for over the IPC channel. */
function configFromPrimary(): Promise<CollectorConfig> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type?: unknown; config?: CollectorConfig }): void => {
      if (m?.type !== WORKER_CONFIG) return;
      process.off('message', onMessage);
      resolve(m.config!);
    };
    process.on('message', onMessage);
    if (!process.send) reject(new Error('a cluster worker needs the IPC channel to its primary'));
    else process.send({ type: WORKER_CONFIG_ASK });
  });
}

/** Restarting a worker that keeps dying soon after its start waits longer each time, up to this. */
const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that ran this long before it died is restarted at once. */
const HEALTHY_RUN_MS = 10_000;

/** Garbage-collector settings of the workers, each unless the primary's node options choose it. */
const WORKER_GC_OPTIONS: readonly { readonly options: readonly string[]; readonly chosenBy: RegExp }[] = [
  // The workers keep every core busy already: V8's parallel GC helper threads would only
  // take turns with them (and with a local broker).
  { options: ['--single-threaded-gc'], chosenBy: /^--(no-)?single[-_]threaded[-_]gc\b/ },
  // A young generation in which the records in flight (some 50 ms, awaiting the broker's
  // confirms) die young: 16 MiB semi-spaces, V8's default bound, fixed at it (it otherwise
  // starts at 1 MiB and grows). 32 MiB took some 50 MiB more a worker for no CPU time that
  // `npm run bench` could tell apart on the modern records (Dec 2026: 100–136 µs a record
  // either way, GC 5–7% of the workers' time against 5–6%).
  { options: ['--min-semi-space-size=16', '--max-semi-space-size=16'], chosenBy: /^--(min|max)[-_]semi[-_]space[-_]size\b/ },
  // What still outlives it (requests' own objects, the slowest bundles) is collected with
  // the old generation. V8 sizes that generation's first limit for a small program, so
  // the collector's 12–20 MiB of live objects were marked afresh every half second; 64 MiB
  // is room enough (128 MiB only held more garbage: peak RSS of the primary and two
  // workers 470–496 MiB with 32 and 128, 377–411 MiB with 16 and 64).
  { options: ['--initial-old-space-size=64'], chosenBy: /^--initial[-_]old[-_]space[-_]size\b/ },
];

/**
 * The node options of a worker: the primary's, and the workers' garbage-collector
 * settings (WORKER_GC_OPTIONS) where those leave them open. With two workers on two cores
 * they took the collector's CPU time on replication bundles from about 85 to 69 µs a
 * record (`npm run bench`, the sample records, with 32 MiB semi-spaces and 128 MiB of old
 * space), for some 50 MiB more memory a worker; the smaller sizes of today keep most of that.
 */
export function workerExecArgv(primary: readonly string[]): string[] {
  const args = [...primary];
  for (const { options, chosenBy } of WORKER_GC_OPTIONS) {
    if (!primary.some((a) => chosenBy.test(a))) args.push(...options);
  }
  return args;
}

/**
 * The cluster's primary: handles no requests itself. SIGTERM/SIGINT are passed on to the
 * workers, which drain and exit; the primary exits 0 once they all have. SIGUSR1/SIGHUP
 * (reopen the log) and SIGUSR2 (debug on/off) act here and are relayed as messages, so that
 * the workers follow the primary's debug state even if a signal reached them too. A worker
 * that dies unexpectedly is replaced; one that dies before the first start completed stops
 * the collector (a port in use, say, would make every replacement die the same way).
 */
function servePrimary(parsed: ServeArgs, config: CollectorConfig, count: number): Promise<number> {
  const { log, reopen, toggleDebug, close, setLevel } = createServiceLog(parsed.logTarget, config.loglevel);
  log.info({ version: packageVersion(), node: process.version, config: describeConfig(config), workers: count }, 'starting');
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv) });
  const live = new Map<number, Worker>();
  /** Workers that listen: only they can have counted anything, and only they answer metrics requests. */
  const serving = new Map<number, Worker>();
  const metrics = new ClusterMetrics(() => [...serving.values()], processMetrics());
  const restarts = new Set<NodeJS.Timeout>();
  let debugging = false;
  let started = false;
  let stopping = false;
  let failedToStart = false;
  /** A worker exited non-zero while stopping (its sinks did not close in time, say). */
  let uncleanStop = false;
  let quickDeaths = 0;
  let readyCount = 0;

  return new Promise<number>((resolve) => {
    let finished = false;
    const finishIfIdle = (): void => {
      if (stopping && live.size === 0 && !finished) {
        finished = true;
        log.info('stopped');
        void close().then(() => resolve(failedToStart || uncleanStop ? 1 : 0));
      }
    };
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal, workers: live.size }, 'stopping: the workers answer the bundles in flight');
      for (const t of restarts) clearTimeout(t);
      restarts.clear();
      for (const w of live.values()) w.process.kill(signal);
      finishIfIdle();
    };
    const fork = (): void => {
      const worker = cluster.fork({ [WORKER_COUNT_ENV]: String(count) });
      const born = Date.now();
      let ready = false;
      live.set(worker.id, worker);
      worker.on('message', (m: { type?: unknown; port?: number; httpsPort?: number }) => {
        if (metrics.onMessage(worker, m)) return;
        if (m?.type === WORKER_CONFIG_ASK) sendTo(worker, { type: WORKER_CONFIG, config });
        if (m?.type !== READY) return;
        ready = true;
        serving.set(worker.id, worker);
        if (debugging) sendTo(worker, { type: DEBUG, on: true });
        if (!started && ++readyCount === count) {
          started = true;
          log.info({ address: config.address || '*', port: m.port, ...httpsListening(config, m.httpsPort), workers: count }, 'listening');
        }
      });
      worker.on('exit', (code, signal) => {
        live.delete(worker.id);
        serving.delete(worker.id);
        metrics.gone(worker);
        if (stopping) {
          if (code !== 0) {
            uncleanStop = true;
            log.warn({ pid: worker.process.pid, code, signal }, 'worker did not stop cleanly');
          }
          finishIfIdle();
          return;
        }
        if (!started && !ready) {
          log.fatal({ pid: worker.process.pid, code, signal }, 'a worker could not start: stopping');
          failedToStart = true;
          stop('SIGTERM');
          return;
        }
        quickDeaths = Date.now() - born < HEALTHY_RUN_MS ? quickDeaths + 1 : 0;
        const delay = quickDeaths === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 500 * 2 ** quickDeaths);
        log.error({ pid: worker.process.pid, code, signal, restartInMs: delay }, 'a worker died: starting another');
        const t = setTimeout(() => {
          restarts.delete(t);
          if (!stopping) fork();
        }, delay);
        restarts.add(t);
      });
    };

    process.on('SIGUSR1', onReopen).on('SIGHUP', () => {
      onReopen();
      // Checked here once, swapped by every worker (each has its own sinks).
      const outcome = reloadReported(parsed, config, log);
      if (outcome.ok) {
        config = outcome.config;
        setLevel(config.loglevel);
      }
      for (const w of live.values()) sendTo(w, { type: RELOAD, ...(outcome.ok ? { config } : { failed: outcome.reason }) });
    });
    process.on('SIGUSR2', () => {
      debugging = !debugging;
      log.info({ logLevel: toggleDebug() }, 'log level changed');
      for (const w of live.values()) sendTo(w, { type: DEBUG, on: debugging });
    });
    // `on`, not `once`: a second signal (systemd and a terminal signal the whole group) must not kill it.
    process.on('SIGTERM', () => stop('SIGTERM')).on('SIGINT', () => stop('SIGINT'));
    function onReopen(): void {
      reopen();
      for (const w of live.values()) sendTo(w, { type: REOPEN_LOG });
    }
    for (let i = 0; i < count; i++) fork();
  });
}

/**
 * A cluster worker: one whole collector. It stops (draining) on SIGTERM/SIGINT, whether the
 * primary relayed them or they reached it directly, and when the primary goes away. Log
 * reopening and the debug toggle come from the primary as messages; the signals themselves
 * are ignored here so that a signal sent to the whole process group acts once.
 */
async function serveAsWorker(parsed: ServeArgs, config: CollectorConfig): Promise<number> {
  const serviceLog = createServiceLog(parsed.logTarget, config.loglevel);
  const { log, reopen, toggleDebug, close } = serviceLog;
  const ignore = (): void => {};
  process.on('SIGUSR1', ignore).on('SIGHUP', ignore).on('SIGUSR2', ignore);
  let debugging = false;
  // Reloads one after the other, the first once the service is up.
  let reloads: Promise<Service> | undefined;
  process.on('message', (m: { type?: unknown; on?: boolean; config?: CollectorConfig; failed?: string }) => {
    if (m?.type === REOPEN_LOG) reopen();
    else if (m?.type === DEBUG && m.on !== debugging) {
      debugging = !debugging;
      log.info({ logLevel: toggleDebug() }, 'log level changed');
    } else if (m?.type === RELOAD && reloads) {
      const outcome: ReloadOutcome = m.config ? { ok: true, config: m.config, restartNeeded: [] } : { ok: false, reason: m.failed ?? '' };
      reloads = reloads.then(async (service) => (await service.reload(outcome, serviceLog), service));
    }
  });
  // Listening for the stop signals before the service is up: the primary relays SIGTERM to a
  // worker still starting, and a terminal's Ctrl-C reaches every worker twice (directly and relayed).
  let stopRequest: string | undefined;
  let onStop = (why: string): void => void (stopRequest ??= why);
  process.on('SIGTERM', () => onStop('SIGTERM')).on('SIGINT', () => onStop('SIGINT'));
  process.once('disconnect', () => onStop('the primary process is gone'));
  reloads = startService(parsed, config, log);
  const service = await reloads;
  const metrics = readFromPrimary(service.metrics);
  log.info({ worker: cluster.worker?.id, ...listeningOn(config, service.http) }, 'worker listening');
  process.send?.({ type: READY, port: service.http.portOf('http'), httpsPort: service.http.portOf('https') });
  return new Promise<number>((resolve) => {
    // Its final counts to the primary, which keeps them after this worker is gone.
    onStop = (why) => void stopService(service, why, close).then(async (code) => (await metrics.pushNow(), code)).then(resolve);
    if (stopRequest !== undefined) onStop(stopRequest);
  });
}

/** The 'listening' line's fields: the HTTP address and port (unless httpsOnly), and the HTTPS ones. */
function listeningOn(config: CollectorConfig, http: HttpService): Record<string, unknown> {
  const plain = config.tls.httpsOnly ? {} : { address: config.address || '*', port: http.portOf('http') };
  return { ...plain, ...httpsListening(config, http.portOf('https')) };
}

function httpsListening(config: CollectorConfig, port: number | undefined): Record<string, unknown> {
  if (!config.tls.enable) return {};
  return { httpsAddress: config.tls.address || config.address || '*', httpsPort: port, requireClientCert: config.tls.requireClientCert };
}

/**
 * A reload: the HTTPS files `tls` names read again. The configuration's check read them just
 * before; should one have gone meanwhile, the ones in use are kept.
 */
function reloadCertificates(http: HttpService, tls: CollectorConfig['tls'], log: bunyan): void {
  try {
    http.reloadCertificates(tls);
  } catch (e) {
    log.error({ error: (e as Error).message }, 'HTTPS certificate and key not read again: the ones in use are kept');
  }
}

/** `--pprof HOST:PORT`: the profiling endpoints on their own listener, away from the probes. */
async function startPprof(hostPort: string, main: HttpService, log: bunyan): Promise<HttpService> {
  const colon = hostPort.lastIndexOf(':');
  const port = Number(hostPort.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port)) throw new UsageError(`--pprof takes "on" or HOST:PORT, not ${hostPort}\n${SERVE_USAGE}`);
  const service = new HttpService({ ...main.options, pprof: true, tls: undefined });
  await service.listen(port, hostPort.slice(0, colon));
  log.info({ pprof: hostPort }, 'profiling endpoints listening');
  return service;
}
