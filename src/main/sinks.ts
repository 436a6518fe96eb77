import type bunyan from 'bunyan';
import type { Sink } from '../contracts/sink';
import { NO_SINK_METRICS, type SinkMetrics } from '../contracts/sink-metrics';
import { SINKS } from '../io/sinks/registry';
import type { SinkModule } from '../io/sinks/sink-module';
import type { CollectorConfig } from './config';

/** The registry's sinks, each with its own config type forgotten (the composition root hands each its own table). */
export const SINK_MODULES = SINKS as readonly SinkModule<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every sink the configuration enables, in the registry's order, connecting in the background. */
export function createSinks(config: CollectorConfig, log: bunyan, metrics: SinkMetrics = NO_SINK_METRICS): Sink[] {
  const tables = config as unknown as Record<string, { enable: boolean }>;
  return SINK_MODULES
    .filter((module) => tables[module.name]!.enable)
    .map((module) => module.create(tables[module.name] as never, { timeoutMs: config.timeout, closeTimeoutMs: config.closeTimeout, log, metrics }));
}
