// The config schema: keys, defaults, formats, and the environment variable of each key
// (GRACC_ + the key path upper-cased and joined with "_", e.g. GRACC_AMQP_AUTODELETE).
import type convict from 'convict';
import type { AmqpConfig, FileConfig, KafkaConfig, LogLevel } from './types';

/** What convict holds: durations still as strings, sizes as given; converted in load.ts. */
export interface RawConfig {
  address: string;
  port: number;
  timeout: string;
  closeTimeout: string;
  loglevel: LogLevel;
  maxBodySize: number | string;
  maxInFlightBytes: number | string;
  workers: number;
  idleTimeout: string;
  minBodyRate: number | string;
  maxConnections: number;
  drainTimeout: string;
  /** accepted for the earlier collector's files, ignored */
  startBufferSize: number | string;
  /** accepted for the earlier collector's files, ignored */
  maxBufferSize: number | string;
  amqp: Omit<AmqpConfig, 'retry' | 'maxRetry'> & { retry: string; maxRetry: string };
  kafka: KafkaConfig;
  file: FileConfig;
}

type Item<T> = convict.SchemaObj<T> & { positive?: boolean; deprecated?: boolean };

const string = (def: string, doc: string, extra: Partial<Item<string>> = {}): Item<string> => ({
  doc,
  format: 'gracc-string',
  default: def,
  ...extra,
});
const bool = (def: boolean, doc: string): Item<boolean> => ({ doc, format: 'gracc-bool', default: def });
const port = (def: number, doc: string): Item<number> => ({ doc, format: 'gracc-port', default: def });
const duration = (def: string, doc: string, positive = false): Item<string> => ({
  doc,
  format: 'gracc-duration',
  default: def,
  positive,
});
const size = (def: number, doc: string, extra: Partial<Item<number | string>> = {}): Item<number | string> => ({
  doc,
  format: 'gracc-size',
  default: def,
  ...extra,
});
function oneOf<T extends string>(format: string, def: T, doc: string): Item<T> {
  return { doc, format, default: def };
}

const MiB = 1024 * 1024;

const DEFINITION: convict.Schema<RawConfig> = {
  address: string('', 'address to listen on; "" = all interfaces'),
  port: port(8080, 'HTTP port to listen on'),
  timeout: duration('60s', 'how long to wait for the sinks to confirm a bundle'),
  closeTimeout: duration('10s', 'how long each sink has to close its connections on stop', true),
  loglevel: oneOf('gracc-loglevel', 'info', 'log level: trace, debug, info, warn, error or fatal'),
  maxBodySize: size(64 * MiB, 'largest request body accepted', { positive: true }),
  maxInFlightBytes: size(256 * MiB, 'request bytes held in memory at once, all requests together', {
    positive: true,
  }),
  workers: { doc: 'record-processing workers; 0 = one per CPU', format: 'gracc-count', default: 0 },
  idleTimeout: duration('30s', "how long the collector waits for a client: a request's headers, each next byte of its body", true),
  minBodyRate: size(1024, 'bytes a second a body must bring, judged over each idleTimeout; 0 = no floor'),
  maxConnections: { doc: 'open connections, all workers together; past it new ones are closed at once; 0 = no limit', format: 'gracc-count', default: 1000 },
  drainTimeout: duration('90s', 'how long a stop waits for the requests in flight before closing their connections', true),
  startBufferSize: size(4096, 'ignored (earlier collector: initial scanner buffer)', { deprecated: true }),
  maxBufferSize: size(512 * 1024, 'ignored (earlier collector: largest scanner buffer)', { deprecated: true }),
  amqp: {
    enable: bool(true, 'publish records to RabbitMQ'),
    scheme: oneOf('gracc-amqp-scheme', 'amqp', 'amqp or amqps'),
    host: string('localhost', 'broker host'),
    port: port(5672, 'broker port'),
    vhost: string('', 'virtual host'),
    exchange: string('gracc', 'exchange to publish to'),
    exchangeType: oneOf('gracc-exchange-type', 'fanout', 'fanout, direct, topic or headers'),
    durable: bool(true, 'declare the exchange durable (its queues\' bindings then outlive a broker restart)'),
    autoDelete: bool(true, 'declare the exchange auto-delete'),
    internal: bool(false, 'declare the exchange internal'),
    routingKey: string('', 'routing key of published records'),
    user: string('guest', 'user name'),
    password: string('guest', 'password', { sensitive: true }),
    format: oneOf('gracc-record-format', 'json', 'json, xml or raw'),
    retry: duration('1s', 'first reconnect delay', true),
    maxRetry: duration('1h', 'longest reconnect delay', true),
  },
  kafka: {
    enable: bool(false, 'publish records to Kafka'),
    brokers: { doc: '"host:port" of the bootstrap brokers', format: 'gracc-brokers', default: ['localhost:9092'] },
    topic: string('gracc', 'topic to publish to'),
    format: oneOf('gracc-record-format', 'json', 'json, xml or raw'),
    clientId: string('gracc-collector', 'client id'),
    compression: oneOf('gracc-compression', 'none', 'none, gzip, snappy, lz4 or zstd'),
    ssl: bool(false, 'connect with TLS'),
    sasl: {
      mechanism: oneOf('gracc-sasl-mechanism', '', '"" (none), plain, scram-sha-256 or scram-sha-512'),
      username: string('', 'SASL user name'),
      password: string('', 'SASL password', { sensitive: true }),
    },
  },
  file: {
    enable: bool(false, 'append records to a file'),
    path: string('gracc-records.ndjson', 'file to append to'),
    format: oneOf('gracc-record-format', 'json', 'json, xml or raw'),
  },
};

/** Overlay applied when no config file is given: the quickstart needs no broker. */
export const NO_FILE_DEFAULTS = { amqp: { enable: false }, file: { enable: true } } as const;

export interface LeafSpec {
  kind: 'leaf';
  /** canonical dotted path, e.g. "amqp.autoDelete" */
  path: string;
  env: string;
  format: string;
  sensitive: boolean;
  deprecated: boolean;
}

export interface GroupSpec {
  kind: 'group';
  /** canonical dotted path, "" for the root */
  path: string;
  /** keyed by lower-cased name */
  children: Map<string, { name: string; spec: LeafSpec | GroupSpec }>;
}

function isLeaf(node: object): node is Item<unknown> {
  return 'default' in node;
}

function build(def: Record<string, unknown>, path: string, out: Record<string, unknown>): GroupSpec {
  const group: GroupSpec = { kind: 'group', path, children: new Map() };
  for (const [name, node] of Object.entries(def)) {
    const childPath = path ? `${path}.${name}` : name;
    if (typeof node !== 'object' || node === null) throw new Error(`config schema: bad node ${childPath}`);
    let spec: LeafSpec | GroupSpec;
    if (isLeaf(node)) {
      const env = `GRACC_${childPath.split('.').join('_').toUpperCase()}`;
      out[name] = { ...node, env };
      spec = {
        kind: 'leaf',
        path: childPath,
        env,
        format: String(node.format),
        sensitive: node.sensitive === true,
        deprecated: node.deprecated === true,
      };
    } else {
      const sub: Record<string, unknown> = {};
      out[name] = sub;
      spec = build(node as Record<string, unknown>, childPath, sub);
    }
    const key = name.toLowerCase();
    if (group.children.has(key)) throw new Error(`config schema: ${childPath} clashes when case is ignored`);
    group.children.set(key, { name, spec });
  }
  return group;
}

const withEnv: Record<string, unknown> = {};

/** The schema tree, for case-insensitive key lookup. */
export const SCHEMA_TREE: GroupSpec = build(DEFINITION as Record<string, unknown>, '', withEnv);

/** The convict schema, each key with its `env`. */
export const SCHEMA = withEnv as convict.Schema<RawConfig>;

function collectLeaves(group: GroupSpec, out: LeafSpec[]): LeafSpec[] {
  for (const { spec } of group.children.values()) {
    if (spec.kind === 'leaf') out.push(spec);
    else collectLeaves(spec, out);
  }
  return out;
}

export const LEAVES: readonly LeafSpec[] = collectLeaves(SCHEMA_TREE, []);

/** Environment variable name -> key. */
export const ENV_VARS: ReadonlyMap<string, LeafSpec> = new Map(LEAVES.map((l) => [l.env, l]));
