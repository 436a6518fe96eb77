// The typed configuration handed to the rest of the collector.
// Durations are in milliseconds, sizes in bytes.

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const RECORD_FORMATS = ['json', 'xml', 'raw'] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

export const AMQP_SCHEMES = ['amqp', 'amqps'] as const;
export type AmqpScheme = (typeof AMQP_SCHEMES)[number];

export const EXCHANGE_TYPES = ['fanout', 'direct', 'topic', 'headers'] as const;
export type ExchangeType = (typeof EXCHANGE_TYPES)[number];

export const KAFKA_COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

/** "" means no SASL. */
export const SASL_MECHANISMS = ['', 'plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface AmqpConfig {
  enable: boolean;
  scheme: AmqpScheme;
  host: string;
  port: number;
  vhost: string;
  exchange: string;
  exchangeType: ExchangeType;
  durable: boolean;
  autoDelete: boolean;
  internal: boolean;
  routingKey: string;
  user: string;
  password: string;
  format: RecordFormat;
  /** ms: first reconnect delay */
  retry: number;
  /** ms: longest reconnect delay */
  maxRetry: number;
}

export interface KafkaSaslConfig {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

export interface KafkaConfig {
  enable: boolean;
  /** "host:port" strings, at least one */
  brokers: string[];
  topic: string;
  format: RecordFormat;
  clientId: string;
  compression: KafkaCompression;
  ssl: boolean;
  sasl: KafkaSaslConfig;
}

export interface FileConfig {
  enable: boolean;
  path: string;
  format: RecordFormat;
}

export interface CollectorConfig {
  /** "" = all interfaces */
  address: string;
  port: number;
  /** ms */
  timeout: number;
  /** ms, > 0: how long each sink's close may take when the collector stops */
  closeTimeout: number;
  loglevel: LogLevel;
  /** bytes, > 0 */
  maxBodySize: number;
  /** bytes, > 0 */
  maxInFlightBytes: number;
  /** 0 = one per CPU */
  workers: number;
  /** ms, > 0: longest wait for a request's headers (from the connection's or request's start) and between two bytes of a body */
  idleTimeout: number;
  /** bytes a second, judged over each idleTimeout of a body; 0 = no floor */
  minBodyRate: number;
  /** open connections, the whole collector; 0 = no limit */
  maxConnections: number;
  /** ms, > 0: how long a stop waits for the requests in flight */
  drainTimeout: number;
  amqp: AmqpConfig;
  kafka: KafkaConfig;
  file: FileConfig;
}
