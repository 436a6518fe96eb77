import type Logger from 'bunyan';
import {
  type CompressionTypes,
  type KafkaConfig as KafkajsConfig,
  type RetryOptions,
  type SASLOptions,
} from 'kafkajs';
import type { SinkMetrics } from '../../../contracts/sink-metrics';
import { readTlsFiles } from '../../tls-files';
import { type KafkaTableSettings, kafkaTableProblems } from './check';
import { COMPRESSION_TYPES, registerCodec } from './codecs';
import type { KafkaConfig } from './config';

/**
 * Options of the Kafka sink: the [kafka] table's settings (config.ts) and what the
 * composition root and tests add.
 */
export type KafkaSinkOptions = Readonly<Omit<KafkaConfig, 'enable' | 'brokers' | 'sasl' | 'key' | 'tls'>> & KafkaTableSettings & {
  /** The record key: '' or unset, the record's id; otherwise a key, or a template over the record's fields. */
  readonly key?: string;
  /** [kafka.tls], with `ssl`: the TLS files and the certificate check; none and verify on by default. */
  readonly tls?: Readonly<Partial<KafkaConfig['tls']>>;
  /**
   * A bundle fails with a SinkError ('timeout', or 'down' when the brokers could not be
   * reached) when the brokers (acks=all) do not acknowledge its first send within this many
   * ms after `publish` was subscribed, or, for a bundle sent in several sends (see
   * `maxSendBytes`), each further send within this many ms after the previous one was
   * acknowledged: it applies per send, so that a big bundle does not time out while the
   * brokers keep up. Also bounds the wait for a connection, and is the brokers' ack timeout
   * and kafkajs' request timeout of each send.
   */
  readonly timeoutMs: number;
  readonly log: Logger;
  /** Told of reconnects and state changes; nothing by default. */
  readonly metrics?: SinkMetrics;
  /** close() waits this long at most for the producers to disconnect, ms; default 10000. */
  readonly closeTimeoutMs?: number;
  /** Reconnect backoff (decorrelated jitter) base and cap, ms; defaults 250 and 10000. */
  readonly reconnectBaseMs?: number;
  readonly reconnectCapMs?: number;
  /**
   * Most bytes of message keys and bodies in one `producer.send`. Bundles waiting while a
   * send is in flight go out together in the next send up to this size; a bundle up to this
   * size always goes out whole in one send, a larger one in consecutive sends of at most this
   * size each (a single record larger than this goes alone in its own send). Default 512 KiB,
   * well under the brokers' default 1 MiB limit (message.max.bytes) with room for the
   * records' headers and framing.
   */
  readonly maxSendBytes?: number;
  /**
   * While a producer is connected and no send was acknowledged (nor a probe answered) for
   * this many ms, the sink asks the brokers for cluster metadata (one admin request): an
   * idle producer holds no heartbeat, so this is how an idle sink notices that Kafka went
   * away. A probe that fails or gets no answer within `probeTimeoutMs` makes the sink
   * unavailable and replaces the producer (it then reconnects as after a failed send).
   * Default 5000; 0 turns probing off.
   */
  readonly probeIntervalMs?: number;
  /** How long a probe may take; default timeoutMs / 2, within [1000, 3000]. */
  readonly probeTimeoutMs?: number;
};

/** Everything derived from the options that kafkajs needs; computed once, at construction. */
export interface KafkaSettings {
  readonly client: KafkajsConfig;
  readonly retry: RetryOptions;
  readonly compression: CompressionTypes;
  readonly connectTimeoutMs: number;
  readonly reconnectBaseMs: number;
  readonly reconnectCapMs: number;
  readonly maxSendBytes: number;
  /** 0: no probes. */
  readonly probeIntervalMs: number;
  readonly probeTimeoutMs: number;
  /** The probes' own client: one attempt, with kafkajs' timeouts within probeTimeoutMs. */
  readonly probeClient: KafkajsConfig;
}

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

/**
 * Checks the options and derives the kafkajs settings. Throws an Error naming the bad
 * option: this runs when the sink is created, so a bad configuration stops the start.
 */
export function kafkaSettings(options: KafkaSinkOptions): KafkaSettings {
  const { brokers, clientId, compression, sasl, timeoutMs } = options;
  const [problem] = kafkaTableProblems(options);
  if (problem !== undefined) throw new Error(problem);
  if (!Number.isFinite(timeoutMs) || timeoutMs < 100) {
    throw new Error(`kafka: timeoutMs must be a number ≥ 100, got ${timeoutMs}`);
  }
  const codec = COMPRESSION_TYPES[compression];
  registerCodec(compression);

  let saslOptions: SASLOptions | undefined;
  switch (sasl.mechanism) {
    case '':
      break;
    case 'plain':
    case 'scram-sha-256':
    case 'scram-sha-512':
      saslOptions = { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password };
      break;
    default:
      throw new Error(`kafka: unknown sasl mechanism ${JSON.stringify(sasl.mechanism)}`);
  }

  // kafkajs' own timeouts and retries only need to be short enough that a send it keeps
  // retrying in the background (after the sink gave up on it at timeoutMs) dies out soon;
  // the sink's own timer decides when a bundle has failed.
  const connectionTimeout = Math.round(clamp(timeoutMs / 4, 1000, 10_000));
  const retry: RetryOptions = {
    initialRetryTime: 100,
    maxRetryTime: Math.round(clamp(timeoutMs / 4, 200, 5000)),
    factor: 0.2,
    multiplier: 2,
    retries: 5,
  };
  const client: KafkajsConfig = {
    brokers: brokers.map((b) => b.trim()),
    clientId,
    ssl: options.ssl ? sslOptions(options) : false,
    ...(saslOptions ? { sasl: saslOptions } : {}),
    connectionTimeout,
    authenticationTimeout: Math.round(clamp(timeoutMs, 1000, 10_000)),
    requestTimeout: Math.round(Math.max(1000, timeoutMs)),
    enforceRequestTimeout: true,
    retry,
  };
  const reconnectBaseMs = options.reconnectBaseMs ?? 250;
  const reconnectCapMs = options.reconnectCapMs ?? 10_000;
  if (!(reconnectBaseMs > 0) || !(reconnectCapMs >= reconnectBaseMs)) {
    throw new Error(`kafka: need 0 < reconnectBaseMs ≤ reconnectCapMs, got ${reconnectBaseMs}, ${reconnectCapMs}`);
  }
  const maxSendBytes = options.maxSendBytes ?? 512 * 1024;
  if (!(maxSendBytes > 0)) throw new Error(`kafka: maxSendBytes must be > 0, got ${maxSendBytes}`);
  const probeIntervalMs = options.probeIntervalMs ?? 5000;
  if (!Number.isFinite(probeIntervalMs) || !(probeIntervalMs === 0 || probeIntervalMs >= 100)) {
    throw new Error(`kafka: probeIntervalMs must be 0 (off) or a number ≥ 100, got ${probeIntervalMs}`);
  }
  const probeTimeoutMs = options.probeTimeoutMs ?? Math.round(clamp(timeoutMs / 2, 1000, 3000));
  if (!Number.isFinite(probeTimeoutMs) || probeTimeoutMs < 100) {
    throw new Error(`kafka: probeTimeoutMs must be a number ≥ 100, got ${probeTimeoutMs}`);
  }
  const probeClient: KafkajsConfig = {
    ...client,
    connectionTimeout: Math.min(connectionTimeout, probeTimeoutMs),
    authenticationTimeout: Math.min(client.authenticationTimeout ?? probeTimeoutMs, probeTimeoutMs),
    requestTimeout: probeTimeoutMs,
    retry: { retries: 0 },
  };
  return {
    client,
    retry,
    compression: codec,
    // producer.connect() fetches metadata and a producer id, each with kafkajs' retries.
    connectTimeoutMs: Math.round(Math.max(timeoutMs, 2 * connectionTimeout)),
    reconnectBaseMs,
    reconnectCapMs,
    maxSendBytes,
    probeIntervalMs,
    probeTimeoutMs,
    probeClient,
  };
}

/**
 * kafkajs' `ssl`, handed to tls.connect (which checks the brokers' names against their
 * certificates): the files of [kafka.tls] `ca`, `cert`, `key` (read now: throws a TlsFileError
 * naming the key), and the certificate check unless `verify = false`.
 */
function sslOptions({ tls = {} }: KafkaSinkOptions): { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean } {
  const files = readTlsFiles('kafka.tls', { ca: tls.ca ?? '', cert: tls.cert ?? '', key: tls.key ?? '' });
  return { ...files, rejectUnauthorized: tls.verify !== false };
}
