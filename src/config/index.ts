// Configuration: TOML file (-c), overridden by GRACC_* environment variables, over defaults.
export { loadConfig, type LoadConfigOptions } from './load';
export { ConfigError } from './errors';
export { describeConfig } from './describe';
export { parseDuration, parseSize } from './units';
export type {
  AmqpConfig,
  AmqpScheme,
  CollectorConfig,
  ExchangeType,
  FileConfig,
  KafkaCompression,
  KafkaConfig,
  KafkaSaslConfig,
  LogLevel,
  RecordFormat,
  SaslMechanism,
} from './types';
