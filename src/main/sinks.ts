import type bunyan from 'bunyan';
import type { Format, Sink } from '../contracts/sink';
import { NO_SINK_METRICS, type SinkMetrics } from '../contracts/sink-metrics';
import { SINKS } from '../io/sinks/registry';
import type { SinkEncoder, SinkModule } from '../io/sinks/sink-module';
import type { CollectorConfig } from './config';

/** The registry's sinks, each with its own config type forgotten (the composition root hands each its own table). */
export const SINK_MODULES = SINKS as readonly SinkModule<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The sink modules the configuration enables, in the registry's order, each with its table. */
function enabled(config: CollectorConfig): { module: SinkModule<string, any>; table: { enable: boolean; format: Format } }[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  const tables = config as unknown as Record<string, { enable: boolean; format: Format }>;
  return SINK_MODULES.filter((module) => tables[module.name]!.enable).map((module) => ({ module, table: tables[module.name]! }));
}

/** Every sink the configuration enables, in the registry's order, connecting in the background. */
export function createSinks(config: CollectorConfig, log: bunyan, metrics: SinkMetrics = NO_SINK_METRICS): Sink[] {
  return enabled(config).map(({ module, table }) =>
    module.create(table as never, { timeoutMs: config.timeout, closeTimeoutMs: config.closeTimeout, log, metrics }));
}

/** The encoder of every sink the configuration enables, as createSinks' sinks would have them, without connecting anything. */
export function sinkEncoders(config: CollectorConfig): { readonly name: string; readonly encoder: SinkEncoder }[] {
  return enabled(config).map(({ module, table }) => ({
    name: module.name,
    encoder: module.encoder?.(table as never) ?? { format: table.format, where: () => ({}) },
  }));
}
