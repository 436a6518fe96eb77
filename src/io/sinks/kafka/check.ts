// The [kafka] table checked as every configuration load checks it (start-up, reload, `validate`),
// without kafkajs: the cluster's primary loads the configuration and makes no sink.
import { checkTlsFiles } from '../../tls-files';
import { compressionUnavailable } from './compression';
import { KAFKA_COMPRESSIONS, type KafkaConfig, SASL_MECHANISMS } from './config';

/** What kafkaTableProblems reads: of the [kafka] table, or of the sink's options (options.ts). */
export interface KafkaTableSettings {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly compression: KafkaConfig['compression'];
  /** mechanism '' means no SASL. */
  readonly sasl: Readonly<KafkaConfig['sasl']>;
}

/**
 * What is wrong with the [kafka] table's settings, one line each: what kafkajs would refuse
 * only when the sink is made (in a worker, after the start) or first connects. The
 * configuration's check (index.ts) and kafkaSettings both ask it.
 */
export function kafkaTableProblems(table: KafkaTableSettings): string[] {
  const { brokers, clientId, compression, sasl } = table;
  const problems: string[] = [];
  if (!Array.isArray(brokers) || brokers.length === 0 || brokers.some((b) => typeof b !== 'string' || !/^\S+:\d{1,5}$/.test(b.trim()))) {
    problems.push(`kafka: brokers must be a non-empty list of host:port, got ${JSON.stringify(brokers)}`);
  }
  // The topic (a name, or a template giving one) and the key are the encoder's to check (encoder.ts).
  if (typeof clientId !== 'string' || clientId === '') problems.push('kafka: clientId must not be empty');
  if (!KAFKA_COMPRESSIONS.includes(compression)) problems.push(`kafka: unknown compression ${JSON.stringify(compression)}`);
  else {
    const why = compressionUnavailable(compression);
    if (why !== undefined) problems.push(`kafka.compression: ${why}`);
  }
  if (sasl.mechanism !== '' && !SASL_MECHANISMS.includes(sasl.mechanism)) problems.push(`kafka: unknown sasl mechanism ${JSON.stringify(sasl.mechanism)}`);
  else if (sasl.mechanism !== '' && !sasl.username) problems.push(`kafka: sasl mechanism '${sasl.mechanism}' needs a username`);
  return problems;
}

/**
 * The configuration's check of the [kafka] table (start-up, reload and `validate`): only an
 * enabled sink's settings must work in this runtime (a disabled one may name a codec it lacks,
 * or TLS files not there yet); with `ssl`, its TLS files must be readable and usable.
 */
export function checkKafkaConfig(config: KafkaConfig): string[] {
  if (!config.enable) return [];
  const files = config.ssl ? checkTlsFiles('kafka.tls', config.tls) : undefined;
  return [...kafkaTableProblems(config), ...(files === undefined ? [] : [files])];
}
