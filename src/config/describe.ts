import type { CollectorConfig } from './types';

const HIDDEN = '***';

/** A copy of the config fit for logging: every password replaced by "***" (set or not). */
export function describeConfig(config: CollectorConfig): CollectorConfig {
  const copy = structuredClone(config);
  copy.amqp.password = HIDDEN;
  copy.kafka.sasl.password = HIDDEN;
  return copy;
}
