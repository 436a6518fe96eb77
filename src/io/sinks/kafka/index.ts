import { defineSink } from '../sink-module';
import { checkKafkaConfig } from './check';
import { kafkaConfig } from './config';
import { kafkaEncoder } from './encoder';

export { kafkaEncoder } from './encoder';
export { checkKafkaConfig } from './check';
export type { KafkaCompression, KafkaSaslMechanism } from './config';
export type { KafkaSinkOptions } from './options';

/**
 * Kafka: an idempotent producer, acks from every in-sync replica. The sink and its connection
 * check (kafkajs) are required when first used: every configuration load goes through this
 * registration, the cluster's primary's too, which makes no sink.
 */
export const kafkaSink = defineSink({
  name: 'kafka',
  config: kafkaConfig,
  check: checkKafkaConfig,
  connect: (config, context) => (require('./connect-check') as typeof import('./connect-check')).checkKafkaConnection(config, context),
  encoder: kafkaEncoder,
  create: ({ enable: _enable, ...settings }, { timeoutMs, closeTimeoutMs, log, metrics }) =>
    (require('./kafka-sink') as typeof import('./kafka-sink')).createKafkaSink(
      { ...settings, timeoutMs, closeTimeoutMs, metrics, log: log.child({ sink: 'kafka' }) }),
});
