import { UsageError } from './usage-error';
import type bunyan from 'bunyan';
import { type CollectorConfig, ConfigError, describeConfig, loadConfig } from '../config';
import { HttpService } from './http-server';
import { InFlightBudget } from './in-flight-budget';
import { createServiceLog } from './logger';
import { CollectorMetrics } from './metrics';
import { createSinks } from './sinks';

export const SERVE_USAGE = 'usage: gracc-collector [-c FILE] [-l stdout|stderr|FILE] [--pprof on|HOST:PORT]\n       gracc-collector convert [--format json|xml|raw] [FILE]';


interface ServeArgs {
  configFile?: string;
  logTarget: string;
  pprof?: string;
}

function parseServeArgs(args: readonly string[]): ServeArgs {
  const parsed: ServeArgs = { logTarget: 'stdout' };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value\n${SERVE_USAGE}`);
      return v;
    };
    if (a === '-c' || a === '--config') parsed.configFile = value();
    else if (a === '-l' || a === '--log') parsed.logTarget = value();
    else if (a === '--pprof') parsed.pprof = value();
    else if (a.startsWith('--pprof=')) parsed.pprof = a.slice('--pprof='.length);
    else throw new UsageError(`unexpected argument ${a}\n${SERVE_USAGE}`);
  }
  return parsed;
}

/**
 * Runs the collector until SIGTERM or SIGINT: then it stops accepting, answers the
 * bundles in flight, closes the sinks and exits 0.
 */
export async function serveCommand(args: readonly string[]): Promise<number> {
  const parsed = parseServeArgs(args);
  let config: CollectorConfig;
  try {
    config = loadConfig({ file: parsed.configFile });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`gracc-collector: configuration: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const { log, reopen, toggleDebug } = createServiceLog(parsed.logTarget, config.loglevel);
  log.info({ config: describeConfig(config) }, 'starting');
  const sinks = createSinks(config, log);
  const metrics = new CollectorMetrics();
  const budget = new InFlightBudget(config.maxInFlightBytes);
  const pprofOnMain = parsed.pprof === 'on';
  const http = new HttpService({ sinks, timeoutMs: config.timeout, maxBodySize: config.maxBodySize, budget, metrics, log, pprof: pprofOnMain });
  await http.listen(config.port, config.address);
  log.info({ address: config.address || '*', port: portOf(http) , sinks: sinks.map((s) => `${s.name}(${s.format})`) }, 'listening');
  const pprofService = parsed.pprof && !pprofOnMain ? await startPprof(parsed.pprof, http, log) : undefined;

  process.on('SIGUSR1', reopen).on('SIGHUP', reopen);
  process.on('SIGUSR2', () => log.info({ level: toggleDebug() }, 'log level changed'));
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping: answering the bundles in flight');
      pprofService?.server.close();
      void http.drain()
        .then(() => Promise.allSettled(sinks.map((s) => s.close())))
        .then(() => {
          log.info('stopped');
          resolve(0);
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM')).once('SIGINT', () => stop('SIGINT'));
  });
}

function portOf(http: HttpService): number | undefined {
  const a = http.server.address();
  return typeof a === 'object' && a !== null ? a.port : undefined;
}

/** `--pprof HOST:PORT`: the profiling endpoints on their own listener, away from the probes. */
async function startPprof(hostPort: string, main: HttpService, log: bunyan): Promise<HttpService> {
  const colon = hostPort.lastIndexOf(':');
  const port = Number(hostPort.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port)) throw new UsageError(`--pprof takes "on" or HOST:PORT, not ${hostPort}\n${SERVE_USAGE}`);
  const service = new HttpService({ ...main.options, sinks: [], pprof: true });
  await service.listen(port, hostPort.slice(0, colon));
  log.info({ pprof: hostPort }, 'profiling endpoints listening');
  return service;
}
