import { defineSink } from '../sink-module';
import { checkKafkaFiles, kafkaConfig } from './config';
import { createKafkaSink } from './kafka-sink';

export { KafkaSink, createKafkaSink } from './kafka-sink';
export { checkKafkaFiles } from './config';
export type { KafkaCompression, KafkaSaslMechanism } from './config';
export type { KafkaSinkOptions } from './options';

/** Kafka: an idempotent producer, acks from every in-sync replica. */
export const kafkaSink = defineSink({
  name: 'kafka',
  config: kafkaConfig,
  checkFiles: checkKafkaFiles,
  create: ({ enable: _enable, ...settings }, { timeoutMs, closeTimeoutMs, log }) =>
    createKafkaSink({ ...settings, timeoutMs, closeTimeoutMs, log: log.child({ sink: 'kafka' }) }),
});
