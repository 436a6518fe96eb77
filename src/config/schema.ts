// The config schema: the collector's own keys (each sink's are in its folder, src/io/sinks/),
// and the compiled form of a whole definition: convict's schema with the environment variable
// of each key (GRACC_ + the key path upper-cased and joined with "_", e.g. GRACC_AMQP_AUTODELETE)
// and the tree that case-insensitive lookup walks.
import type convict from 'convict';
import { bool, count, type Definition, duration, ignored, isItem, type Item, oneOf, port, size, string, tlsFileItems } from './items';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

const MiB = 1024 * 1024;

/** The collector's own keys, at the top of the file. */
export const GENERAL = {
  address: string('', 'address to listen on; "" = all interfaces'),
  port: port(8080, 'HTTP port to listen on'),
  timeout: duration('60s', 'how long to wait for the sinks to confirm a bundle'),
  closeTimeout: duration('10s', 'how long each sink has to close its connections on stop', true),
  loglevel: oneOf('loglevel', LOG_LEVELS, 'info', 'log level: trace, debug, info, warn, error or fatal', { warning: 'warn', panic: 'fatal' }),
  maxBodySize: size(64 * MiB, 'largest request body accepted', { positive: true }),
  maxInFlightBytes: size(256 * MiB, 'request bytes held in memory at once, all requests together', {
    positive: true,
  }),
  workers: count(0, 'record-processing workers; 0 = one per CPU'),
  idleTimeout: duration('30s', "how long the collector waits for a client: a request's headers, each next byte of its body", true),
  minBodyRate: size(1024, 'bytes a second a body must bring, judged over each idleTimeout; 0 = no floor'),
  maxConnections: count(1000, 'open connections, all workers together; past it new ones are closed at once; 0 = no limit'),
  drainTimeout: duration('90s', 'how long a stop waits for the requests in flight before closing their connections', true),
  // HTTPS beside (or instead of) HTTP: the same endpoints, handler and limits on both.
  tls: {
    enable: bool(false, 'listen for HTTPS too'),
    port: port(8443, 'HTTPS port to listen on'),
    address: string('', 'address of the HTTPS listener; "" = the same as `address`'),
    ...tlsFileItems(
      'PEM file of the CAs that sign client certificates; with it, clients are asked for one',
      "PEM file of the collector's certificate (chain); required with enable",
    ),
    requireClientCert: bool(false, 'refuse, at the handshake, a client without a certificate signed by `ca`'),
    httpsOnly: bool(false, 'no plain HTTP listener (`port` is then unused)'),
  },
  startBufferSize: ignored(size(4096, 'ignored (earlier collector: initial scanner buffer)')),
  maxBufferSize: ignored(size(512 * 1024, 'ignored (earlier collector: largest scanner buffer)')),
} satisfies Definition;

export interface LeafSpec {
  kind: 'leaf';
  /** canonical dotted path, e.g. "amqp.autoDelete" */
  path: string;
  env: string;
  format: string;
  sensitive: boolean;
  deprecated: boolean;
  item: Item<unknown>;
}

export interface GroupSpec {
  kind: 'group';
  /** canonical dotted path, "" for the root */
  path: string;
  /** keyed by lower-cased name */
  children: Map<string, { name: string; spec: LeafSpec | GroupSpec }>;
}

/** A definition made ready for loading. */
export interface CompiledSchema {
  /** For case-insensitive key lookup. */
  readonly tree: GroupSpec;
  /** convict's schema, each key with its `env`. */
  readonly convict: convict.Schema<unknown>;
  readonly leaves: readonly LeafSpec[];
  /** Environment variable name -> key. */
  readonly envVars: ReadonlyMap<string, LeafSpec>;
  /** The formats of the items' own, by name. */
  readonly formats: Readonly<Record<string, convict.Format>>;
}

function build(def: Definition, path: string, out: Record<string, unknown>, formats: Record<string, convict.Format>): GroupSpec {
  const group: GroupSpec = { kind: 'group', path, children: new Map() };
  for (const [name, node] of Object.entries(def)) {
    const childPath = path ? `${path}.${name}` : name;
    if (typeof node !== 'object' || node === null) throw new Error(`config schema: bad node ${childPath}`);
    let spec: LeafSpec | GroupSpec;
    if (isItem(node)) {
      const env = `GRACC_${childPath.split('.').join('_').toUpperCase()}`;
      const { ownFormat, finish: _finish, ...forConvict } = node;
      if (ownFormat) formats[node.format] = ownFormat;
      out[name] = { ...forConvict, env };
      spec = {
        kind: 'leaf',
        path: childPath,
        env,
        format: node.format,
        sensitive: node.sensitive === true,
        deprecated: node.deprecated === true,
        item: node,
      };
    } else {
      const sub: Record<string, unknown> = {};
      out[name] = sub;
      spec = build(node, childPath, sub, formats);
    }
    const key = name.toLowerCase();
    if (group.children.has(key)) throw new Error(`config schema: ${childPath} clashes when case is ignored`);
    group.children.set(key, { name, spec });
  }
  return group;
}

function collectLeaves(group: GroupSpec, out: LeafSpec[]): LeafSpec[] {
  for (const { spec } of group.children.values()) {
    if (spec.kind === 'leaf') out.push(spec);
    else collectLeaves(spec, out);
  }
  return out;
}

export function compileSchema(definition: Definition): CompiledSchema {
  const withEnv: Record<string, unknown> = {};
  const formats: Record<string, convict.Format> = {};
  const tree = build(definition, '', withEnv, formats);
  const leaves = collectLeaves(tree, []);
  return { tree, convict: withEnv as convict.Schema<unknown>, leaves, envVars: new Map(leaves.map((l) => [l.env, l])), formats };
}
