// `workers` = 1: this process is the collector itself.
import { type CollectorConfig, describeConfig } from './config';
import { listeningOn } from './listening-fields';
import { reloadReported } from './reload';
import type { ServeArgs } from './serve-args';
import { sinkNames, startService, stopService } from './service';
import { packageVersion } from './version';
import { createServiceLog } from '../io/logger';

/** Runs the collector in this process until SIGTERM or SIGINT; resolves with the exit code. */
export async function serveSingle(parsed: ServeArgs, config: CollectorConfig): Promise<number> {
  const serviceLog = createServiceLog(parsed.logTarget, config.loglevel);
  const { log, reopen, toggleDebug, close } = serviceLog;
  log.info({ version: packageVersion(), node: process.version, config: describeConfig(config) }, 'starting');
  const service = await startService(parsed, config, log);
  log.info({ ...listeningOn(config, (l) => service.http.portOf(l)), sinks: sinkNames(service.pipeline) }, 'listening');
  process.on('SIGUSR1', reopen).on('SIGHUP', () => {
    reopen();
    void service.reload(reloadReported(parsed.configFile, service.pipeline.config, log), serviceLog);
  });
  // `logLevel`, not `level`: bunyan drops a line whose fields name `level`.
  process.on('SIGUSR2', () => log.info({ logLevel: toggleDebug() }, 'log level changed'));
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => void stopService(service, signal, close).then(resolve);
    process.once('SIGTERM', () => stop('SIGTERM')).once('SIGINT', () => stop('SIGINT'));
  });
}
