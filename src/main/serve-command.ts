import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { type CollectorConfig, ConfigError, loadConfig } from './config';
import { EX_CONFIG } from './exit-codes';
import { parseServeArgs } from './serve-args';

/**
 * Runs the collector until SIGTERM or SIGINT: then it stops accepting, answers the
 * bundles in flight, closes the sinks and exits 0 — or 1 when the sinks did not close in
 * time (see service.ts).
 *
 * With `workers` > 1 (0 = one per CPU) this process becomes the primary of a node:cluster
 * (cluster-primary.ts): it forks the workers (cluster-worker.ts), each a whole collector (its
 * own sinks, the listening port shared), relays the operator's signals to them, restarts one
 * that dies, and adds up their metrics for /metrics and /stats (metrics.ts). With `workers` =
 * 1 it is the collector itself (serve-single.ts).
 *
 * Each path is loaded only when taken: the primary, which handles no requests, then never
 * loads the pipeline, the sinks' clients or the HTTP server (an idle primary: 61 MB of RSS
 * instead of 69).
 */
export async function serveCommand(args: readonly string[]): Promise<number> {
  const parsed = parseServeArgs(args);
  if (parsed === undefined) return 0;
  if (cluster.isWorker) return (await import('./cluster-worker.js')).serveAsWorker(parsed);
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
  if (workers > 1) return (await import('./cluster-primary.js')).servePrimary(parsed, config, workers);
  return (await import('./serve-single.js')).serveSingle(parsed, config);
}
