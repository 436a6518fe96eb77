import { defineSink } from '../sink-module';
import { kafkaConfig } from './config';
import { checkKafkaConnection } from './connect-check';
import { kafkaEncoder } from './encoder';
import { checkKafkaConfig } from './options';
import { createKafkaSink } from './kafka-sink';

export { KafkaSink, createKafkaSink } from './kafka-sink';
export { kafkaEncoder } from './encoder';
export { checkKafkaConfig } from './options';
export { compressionUnavailable, registerCodec } from './codecs';
export type { KafkaCompression, KafkaSaslMechanism } from './config';
export type { KafkaSinkOptions } from './options';

/** Kafka: an idempotent producer, acks from every in-sync replica. */
export const kafkaSink = defineSink({
  name: 'kafka',
  config: kafkaConfig,
  check: checkKafkaConfig,
  connect: checkKafkaConnection,
  encoder: kafkaEncoder,
  create: ({ enable: _enable, ...settings }, { timeoutMs, closeTimeoutMs, log, metrics }) =>
    createKafkaSink({ ...settings, timeoutMs, closeTimeoutMs, metrics, log: log.child({ sink: 'kafka' }) }),
});
