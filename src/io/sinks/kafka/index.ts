import { defineSink } from '../sink-module';
import { kafkaConfig } from './config';
import { checkKafkaConnection } from './connect-check';
import { kafkaTableProblems } from './options';
import { createKafkaSink } from './kafka-sink';

export { KafkaSink, createKafkaSink } from './kafka-sink';
export type { KafkaCompression, KafkaSaslMechanism } from './config';
export type { KafkaSinkOptions } from './options';

/** Kafka: an idempotent producer, acks from every in-sync replica. */
export const kafkaSink = defineSink({
  name: 'kafka',
  config: kafkaConfig,
  // Only an enabled sink's settings must work in this runtime (a disabled one may name a codec it lacks).
  check: (config) => (config.enable ? kafkaTableProblems(config) : []),
  connect: checkKafkaConnection,
  create: ({ enable: _enable, ...settings }, { timeoutMs, closeTimeoutMs, log }) =>
    createKafkaSink({ ...settings, timeoutMs, closeTimeoutMs, log: log.child({ sink: 'kafka' }) }),
});
