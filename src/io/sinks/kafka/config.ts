// The [kafka] table (and [kafka.tls], [kafka.sasl]).
import { bool, brokers, type ConfigOf, oneOf, recordFormat, string, template, tlsFileItems, verifyItem } from '../../../config';

export const KAFKA_COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
/** "" means no SASL. */
export const SASL_MECHANISMS = ['', 'plain', 'scram-sha-256', 'scram-sha-512'] as const;

export const kafkaConfig = {
  enable: bool(false, 'publish records to Kafka'),
  brokers: brokers(['localhost:9092'], '"host:port" of the bootstrap brokers'),
  topic: template('gracc', 'topic to publish to: a name, or a template over each record\'s fields (gracc-{type})'),
  key: template('', 'record key: "" for the record\'s id (RecordId, or UniqueID), or a template over its fields'),
  format: recordFormat(),
  clientId: string('gracc-collector', 'client id'),
  compression: oneOf('compression', KAFKA_COMPRESSIONS, 'none', 'none, gzip, snappy, lz4 or zstd'),
  ssl: bool(false, 'connect with TLS'),
  // A table of its own: [kafka] key is the record key.
  tls: {
    ...tlsFileItems('ssl: PEM file of the CAs to verify the brokers with; "" = Node\'s built-in CAs', 'ssl: PEM file of a client certificate to show the brokers; "" = none'),
    verify: verifyItem(),
  },
  sasl: {
    mechanism: oneOf('sasl-mechanism', SASL_MECHANISMS, '', '"" (none), plain, scram-sha-256 or scram-sha-512'),
    username: string('', 'SASL user name'),
    password: string('', 'SASL password', { sensitive: true }),
  },
};

export type KafkaConfig = ConfigOf<typeof kafkaConfig>;
export type KafkaCompression = KafkaConfig['compression'];
export type KafkaSaslMechanism = KafkaConfig['sasl']['mechanism'];

