// The cluster's primary (`workers` > 1): listens, forks the workers and hands each
// connection to one of them (connection-handoff.ts); it reads no request itself. It loads
// only what that needs (configuration, log, metrics aggregation); the service modules
// (pipeline, sinks, HTTP server) are the workers' (cluster-worker.ts).
import cluster, { type Worker } from 'node:cluster';
import { DEBUG, READY, RELOAD, REOPEN_LOG, WORKER_CONFIG, WORKER_CONFIG_ASK, WORKER_COUNT_ENV } from './cluster-messages';
import { type CollectorConfig, describeConfig } from './config';
import { ConnectionHandoff } from './connection-handoff';
import { listeningOn } from './listening-fields';
import { reloadReported } from './reload';
import type { ServeArgs } from './serve-args';
import { packageVersion } from './version';
import { createServiceLog } from '../io/logger';
import { ClusterMetrics, processMetrics, sendTo } from '../io/metrics';

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
 * The cluster's primary: listens and hands the connections to the workers, handles no
 * requests itself. SIGTERM/SIGINT stop it accepting connections and are passed on to the
 * workers, which drain and exit; the primary exits 0 once they all have. SIGUSR1/SIGHUP
 * (reopen the log) and SIGUSR2 (debug on/off) act here and are relayed as messages, so that
 * the workers follow the primary's debug state even if a signal reached them too. A worker
 * that dies unexpectedly is replaced; one that dies before the first start completed stops
 * the collector (a port in use, say, would make every replacement die the same way).
 */
export function servePrimary(parsed: ServeArgs, config: CollectorConfig, count: number): Promise<number> {
  const { log, reopen, toggleDebug, close, setLevel } = createServiceLog(parsed.logTarget, config.loglevel);
  log.info({ version: packageVersion(), node: process.version, config: describeConfig(config), workers: count }, 'starting');
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv) });
  const handoff = new ConnectionHandoff();
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
      handoff.close();
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
      worker.on('message', (m: { type?: unknown }) => {
        if (handoff.onMessage(worker, m) || metrics.onMessage(worker, m)) return;
        if (m?.type === WORKER_CONFIG_ASK) sendTo(worker, { type: WORKER_CONFIG, config });
        if (m?.type !== READY) return;
        ready = true;
        serving.set(worker.id, worker);
        handoff.serving(worker);
        if (debugging) sendTo(worker, { type: DEBUG, on: true });
        if (!started && ++readyCount === count) {
          started = true;
          log.info({ ...listeningOn(config, (l) => handoff.portOf(l)), workers: count }, 'listening');
        }
      });
      worker.on('exit', (code, signal) => {
        live.delete(worker.id);
        serving.delete(worker.id);
        handoff.gone(worker);
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
      const outcome = reloadReported(parsed.configFile, config, log);
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
    // The ports first: one in use stops the collector before any worker starts.
    handoff.listen(config).then(
      () => {
        for (let i = 0; i < count; i++) fork();
      },
      (err: unknown) => {
        log.fatal({ err }, 'could not listen: stopping');
        failedToStart = true;
        stop('SIGTERM');
      },
    );
  });
}

