import type Logger from 'bunyan';
import { credentials } from 'amqplib';
import type { SinkMetrics } from '../../../contracts/sink-metrics';
import { readTlsFiles, type TlsFiles } from '../../tls-files';
import { type AmqpConfig, amqpNodes } from './config';

/** Keys with defaults (no TLS files, verify on, one node: host and port). */
type TlsKeys = 'ca' | 'cert' | 'key' | 'verify';

/**
 * Options of the AMQP (RabbitMQ) sink: the [amqp] table's settings (config.ts), the reconnect
 * delays in ms, and what tests and the composition root add.
 */
export type AmqpSinkOptions = Readonly<Omit<AmqpConfig, 'enable' | 'retry' | 'maxRetry' | TlsKeys | 'hosts'>> & Readonly<Partial<Pick<AmqpConfig, TlsKeys | 'hosts'>>> & {
  /** Reconnect backoff (decorrelated jitter): the shortest wait, ms. */
  readonly retryMs: number;
  /** Reconnect backoff: the longest wait, ms. */
  readonly maxRetryMs: number;
  readonly log: Logger;
  /**
   * Publish through amqplib's API, as the sink does when amqplib's internals are not as
   * raw-channel.ts expects (default: the sink writes its own frames); for tests of that path.
   */
  readonly amqplibPublish?: boolean;
  /** Random source of the backoff jitter, [0, 1); Math.random by default. */
  readonly random?: () => number;
  /** AMQP heartbeat, seconds; default 10. */
  readonly heartbeatSeconds?: number;
  /** TCP (and TLS) connect time limit, ms; default 10000. */
  readonly connectTimeoutMs?: number;
  /**
   * close() waits this long at most for the broker's CloseOk, ms, then destroys the socket
   * (a broker that stalls, or a connection lost meanwhile, would never send it); default 10000.
   */
  readonly closeTimeoutMs?: number;
  /** The sink's name in answers, logs and metrics; default `amqp`. */
  readonly name?: string;
  /** Told of nacks, returns, reconnects and state changes; nothing by default. */
  readonly metrics?: SinkMetrics;
};

/** Throws a RangeError naming the first unusable option. */
export function checkAmqpSinkOptions(o: AmqpSinkOptions): void {
  const fail = (what: string) => {
    throw new RangeError(`amqp sink: ${what}`);
  };
  if (o.scheme !== 'amqp' && o.scheme !== 'amqps') fail(`scheme must be amqp or amqps, got ${String(o.scheme)}`);
  for (const node of amqpNodes({ hosts: o.hosts ?? [], host: o.host, port: o.port })) {
    if (!node.host) fail('host is empty');
    if (!Number.isInteger(node.port) || node.port < 1 || node.port > 65535) fail(`port must be 1..65535, got ${node.port}`);
  }
  if (!o.exchangeType) fail('exchangeType is empty');
  if (!Number.isFinite(o.retryMs) || o.retryMs <= 0) fail(`retryMs must be > 0, got ${o.retryMs}`);
  if (o.closeTimeoutMs !== undefined && !(o.closeTimeoutMs > 0)) fail(`closeTimeoutMs must be > 0, got ${o.closeTimeoutMs}`);
  if (!(o.maxRetryMs >= o.retryMs)) fail(`maxRetryMs (${o.maxRetryMs}) must be ≥ retryMs (${o.retryMs})`);
  if (o.format !== 'json' && o.format !== 'xml' && o.format !== 'raw') fail(`format must be json, xml or raw, got ${String(o.format)}`);
}

/** `host` as it goes in a URL: IPv6 literals in brackets. */
function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The broker's address for logs and answers, without credentials:
 * `amqp://host:port` (and `/vhost` when not the default one).
 */
export function amqpDisplayUrl(o: Pick<AmqpSinkOptions, 'scheme' | 'host' | 'port' | 'vhost'>): string {
  const base = `${o.scheme}://${urlHost(o.host)}:${o.port}`;
  return o.vhost === '' || o.vhost === '/' ? base : `${base}/${encodeURIComponent(o.vhost)}`;
}

/**
 * The connection URL, user, password and vhost percent-encoded (vhost '' → `/`, encoded as
 * `%2F`): `amqp://us%40er:p%3Ass@host:5672/%2F`.
 */
export function amqpUrl(o: Pick<AmqpSinkOptions, 'scheme' | 'host' | 'port' | 'vhost' | 'user' | 'password'>): string {
  const auth = `${encodeURIComponent(o.user)}:${encodeURIComponent(o.password)}@`;
  return `${o.scheme}://${auth}${urlHost(o.host)}:${o.port}/${encodeURIComponent(o.vhost === '' ? '/' : o.vhost)}`;
}

/** A node to connect to: its URL (with the credentials) and how logs and answers name it (without). */
export interface AmqpNode {
  readonly url: string;
  readonly display: string;
}

/** The nodes of the options (`hosts`, or `host` and `port`), in the order to try them. */
export function amqpNodeUrls(o: Pick<AmqpSinkOptions, 'scheme' | 'host' | 'port' | 'hosts' | 'vhost' | 'user' | 'password'>): AmqpNode[] {
  return amqpNodes({ hosts: o.hosts ?? [], host: o.host, port: o.port }).map(({ host, port }) => ({
    url: amqpUrl({ ...o, host, port }),
    display: amqpDisplayUrl({ ...o, host, port }),
  }));
}

/** amqplib's connection options every connection of the sink's gets: credentials, connect time limit, TLS. */
export type AmqpConnectOptions = TlsFiles & {
  readonly credentials: ReturnType<typeof credentials.plain>;
  readonly timeout: number;
  readonly rejectUnauthorized: boolean;
};

/**
 * The connection options of the sink's own connections and of `validate --connect`'s: amqps
 * reads its TLS files here (throws TlsFileError naming the key; the config check said so first).
 */
export function amqpConnectOptions(
  o: Pick<AmqpSinkOptions, 'scheme' | 'user' | 'password' | 'connectTimeoutMs' | TlsKeys>,
): AmqpConnectOptions {
  const tls = o.scheme === 'amqps' ? readTlsFiles('amqp', { ca: o.ca ?? '', cert: o.cert ?? '', key: o.key ?? '' }) : {};
  return {
    // amqplib decodes URL credentials with the legacy `unescape` (Latin-1): give them as is.
    credentials: credentials.plain(o.user, o.password),
    timeout: o.connectTimeoutMs ?? 10_000,
    // amqps: handed to tls.connect, which checks the certificate's name against the host (the servername amqplib sets)
    ...tls,
    rejectUnauthorized: o.verify !== false,
  };
}
