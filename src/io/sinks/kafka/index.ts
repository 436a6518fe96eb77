import { defineSink } from '../sink-module';
import { kafkaConfig } from './config';
import { kafkaEncoder } from './encoder';
import { createKafkaSink } from './kafka-sink';

export { KafkaSink, createKafkaSink } from './kafka-sink';
export { kafkaEncoder } from './encoder';
export type { KafkaCompression, KafkaSaslMechanism } from './config';
export type { KafkaSinkOptions } from './options';

/** Kafka: an idempotent producer, acks from every in-sync replica. */
export const kafkaSink = defineSink({
  name: 'kafka',
  config: kafkaConfig,
  encoder: kafkaEncoder,
  create: ({ enable: _enable, ...settings }, { timeoutMs, closeTimeoutMs, log }) =>
    createKafkaSink({ ...settings, timeoutMs, closeTimeoutMs, log: log.child({ sink: 'kafka' }) }),
});
