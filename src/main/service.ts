// One whole collector in this process (the single process's, or a cluster worker's): its
// sinks, HTTP endpoint, metrics and optional pprof listener, how it reloads and how it stops.
import { UsageError } from './usage-error';
import cluster from 'node:cluster';
import type bunyan from 'bunyan';
import { WORKER_COUNT_ENV } from './cluster-messages';
import type { CollectorConfig } from './config';
import { Pipeline } from './pipeline';
import type { ReloadOutcome } from './reload';
import { SERVE_USAGE, type ServeArgs } from './serve-args';
import { packageVersion } from './version';
import { settledWithin } from '../io/deadline';
import { HttpService } from '../io/http-server';
import { InFlightBudget } from '../io/in-flight-budget';
import type { ServiceLog } from '../io/logger';
import { CollectorMetrics } from '../io/metrics';
import { nodesInUse } from '../io/readiness';

export interface Service {
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

export function sinkNames(pipeline: Pipeline): string[] {
  return pipeline.sinks.map((s) => `${s.name}(${s.format})`);
}

/** One whole collector in this process: sinks, HTTP endpoint, metrics, optional pprof listener. */
export async function startService(parsed: ServeArgs, config: CollectorConfig, log: bunyan): Promise<Service> {
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
  // A cluster's workers serve the connections their primary accepts (connection-handoff.ts).
  if (cluster.isWorker) http.serveAdopted();
  else {
    if (!config.tls.httpsOnly) await http.listen(config.port, config.address);
    if (config.tls.enable) await http.listenHttps(config.tls.port, config.tls.address || config.address);
  }
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
export async function stopService(service: Service, why: string, closeLog: () => Promise<void>): Promise<number> {
  const clean = await service.stop(why);
  await closeLog();
  return clean ? 0 : 1;
}

/** How much longer than closeTimeout the collector waits for its sinks' closes before it exits without them. */
const STOP_MARGIN_MS = 2_000;

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
