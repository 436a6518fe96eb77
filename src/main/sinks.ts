import type bunyan from 'bunyan';
import type { Sink } from '../contracts/sink';
import { checkTlsFiles } from '../io/tls-files';
import { SINKS } from '../io/sinks/registry';
import type { SinkModule } from '../io/sinks/sink-module';
import type { CollectorConfig } from './config';

const modules = SINKS as readonly SinkModule<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The problems with the files the configuration names (TLS certificates, keys and CA bundles
 * of the HTTPS listener and of each enabled sink), each naming its key; [] when all are usable.
 */
export function checkConfigFiles(config: CollectorConfig): string[] {
  const tables = config as unknown as Record<string, { enable: boolean }>;
  const listener = config.tls.enable ? checkTlsFiles('tls', config.tls, true) : undefined;
  const sinks = modules.filter((m) => tables[m.name]!.enable).map((m) => m.checkFiles?.(tables[m.name] as never));
  return [listener, ...sinks].filter((problem): problem is string => problem !== undefined);
}

/** Every sink the configuration enables, in the registry's order, connecting in the background. */
export function createSinks(config: CollectorConfig, log: bunyan): Sink[] {
  const tables = config as unknown as Record<string, { enable: boolean }>;
  return modules
    .filter((module) => tables[module.name]!.enable)
    .map((module) => module.create(tables[module.name] as never, { timeoutMs: config.timeout, closeTimeoutMs: config.closeTimeout, log }));
}
