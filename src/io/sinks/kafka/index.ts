export { KafkaSink, createKafkaSink } from './kafka-sink';
export type { KafkaCompression, KafkaSaslMechanism, KafkaSinkOptions } from './options';
