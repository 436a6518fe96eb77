// A cluster worker: one whole collector, started with the configuration its primary checked.
import cluster from 'node:cluster';
import type { Socket } from 'node:net';
import { CONNECTION, CONNECTION_CLOSED, DEBUG, READY, RELOAD, REOPEN_LOG, WORKER_CONFIG, WORKER_CONFIG_ASK } from './cluster-messages';
import type { CollectorConfig } from './config';
import type { ReloadOutcome } from './reload';
import type { ServeArgs } from './serve-args';
import { type Service, startService, stopService } from './service';
import { createServiceLog } from '../io/logger';
import { readFromPrimary } from '../io/metrics';

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

/**
 * A cluster worker: one whole collector. It stops (draining) on SIGTERM/SIGINT, whether the
 * primary relayed them or they reached it directly, and when the primary goes away. Log
 * reopening and the debug toggle come from the primary as messages; the signals themselves
 * are ignored here so that a signal sent to the whole process group acts once.
 */
export async function serveAsWorker(parsed: ServeArgs): Promise<number> {
  const config = await configFromPrimary();
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
  // the connections the primary hands over (connection-handoff.ts); it counts them open until told they closed
  const closed = (): void => void (process.connected && process.send?.({ type: CONNECTION_CLOSED }));
  process.on('message', (m: { type?: unknown; listener?: 'http' | 'https' }, socket?: Socket) => {
    if (m?.type === CONNECTION && socket) service.http.adopt(m.listener ?? 'http', socket, closed);
  });
  log.info({ worker: cluster.worker?.id }, 'worker serving');
  process.send?.({ type: READY });
  return new Promise<number>((resolve) => {
    // Its final counts to the primary, which keeps them after this worker is gone.
    onStop = (why) => void stopService(service, why, close).then(async (code) => (await metrics.pushNow(), code)).then(resolve);
    if (stopRequest !== undefined) onStop(stopRequest);
  });
}
