// The makers of configuration keys, and the typed configuration derived from a definition.
// A definition is a tree of items (leaves) and tables; each item is one key with its default,
// its convict format and, for durations and sizes, how its value becomes milliseconds or bytes.
import type convict from 'convict';
import { FORMATS as RECORD_FORMATS, type Format } from '../records/formats';
import { enumFormat } from './formats';
import { parseDuration, parseSize } from './units';

/** One key. `V` is its value in the typed configuration; `never` for a key that is accepted and ignored. */
export interface Item<V> {
  readonly doc: string;
  readonly default: unknown;
  /** The convict format's name. */
  readonly format: string;
  /** A format of the item's own, registered with convict under `format`. */
  readonly ownFormat?: convict.Format;
  /** Never shown in errors or logs. */
  readonly sensitive?: boolean;
  /** durations and sizes: 0 is not allowed */
  readonly positive?: boolean;
  /** Accepted for the earlier collector's files, left out of the typed configuration. */
  readonly deprecated?: boolean;
  /** convict's value → the typed one (a duration's text → ms); the value as is without it. */
  readonly finish?: (value: never) => V;
  /** Type only: never set. */
  readonly __value?: V;
}

export interface Definition {
  readonly [key: string]: Item<unknown> | Definition;
}

/** The typed configuration a definition describes (ignored keys left out). */
export type ConfigOf<D> = {
  -readonly [K in keyof D as D[K] extends Item<infer V> ? ([V] extends [never] ? never : K) : K]: D[K] extends Item<infer V>
    ? V
    : ConfigOf<D[K]>;
};

export function isItem(node: Item<unknown> | Definition): node is Item<unknown> {
  return 'default' in node && 'format' in node && typeof node.format === 'string';
}

export const string = (def: string, doc: string, extra: { sensitive?: boolean } = {}): Item<string> => ({
  doc,
  format: 'gracc-string',
  default: def,
  ...extra,
});
export const bool = (def: boolean, doc: string): Item<boolean> => ({ doc, format: 'gracc-bool', default: def });
export const port = (def: number, doc: string): Item<number> => ({ doc, format: 'gracc-port', default: def });
export const count = (def: number, doc: string): Item<number> => ({ doc, format: 'gracc-count', default: def });
/** Kept as the text in convict; milliseconds in the typed configuration. */
export const duration = (def: string, doc: string, positive = false): Item<number> => ({
  doc,
  format: 'gracc-duration',
  default: def,
  positive,
  finish: (text: string) => parseDuration(text),
});
/** Kept as given in convict; bytes in the typed configuration. */
export const size = (def: number, doc: string, extra: { positive?: boolean } = {}): Item<number> => ({
  doc,
  format: 'gracc-size',
  default: def,
  ...extra,
  finish: (given: number | string) => parseSize(given),
});
/**
 * Text that may hold placeholders over a record's fields (`{type}.{VOName:-unknown}`, see
 * records/field-template.ts): checked when the configuration is loaded, kept as written.
 */
export const template = (def: string, doc: string): Item<string> => ({ doc, format: 'gracc-template', default: def });
/** A list of "host:port" (a comma-separated string in the environment). */
export const brokers = (def: string[], doc: string): Item<string[]> => ({
  doc,
  format: 'gracc-brokers',
  default: def,
  finish: (list: string[]) => [...list],
});
/** A list of "host:port" that may be empty (a comma-separated string in the environment). */
export const hostList = (doc: string): Item<string[]> => ({
  doc,
  format: 'gracc-host-list',
  default: [],
  finish: (list: string[]) => [...list],
});
/**
 * The TLS files of a connection: `ca`, `cert` and `key`, paths of PEM files, "" = not given.
 * The key's path is hidden in the log's copy of the config, like a password.
 */
export function tlsFileItems(ca: string, cert: string): { ca: Item<string>; cert: Item<string>; key: Item<string> } {
  return {
    ca: string('', ca),
    cert: string('', cert),
    key: string('', 'PEM file of the private key of `cert` (its path is never logged)', { sensitive: true }),
  };
}
/** `verify` of a broker's TLS connection. */
export const verifyItem = (): Item<boolean> =>
  bool(true, "check the broker's certificate against `ca` and its name against the host; false only by choice (logged as a warning)");
/**
 * One of `values`, any case; `aliases` are accepted for the earlier collector's spellings.
 * `name` names the convict format (`gracc-<name>`); items sharing a name share the format.
 */
export function oneOf<const T extends string>(name: string, values: readonly T[], def: NoInfer<T>, doc: string, aliases: Readonly<Record<string, NoInfer<T>>> = {}): Item<T> {
  return { doc, format: `gracc-${name}`, default: def, ownFormat: enumFormat(values, aliases) };
}
/** How a sink writes its records: json, xml or raw. */
export const recordFormat = (doc = 'json, xml or raw'): Item<Format> => oneOf('record-format', RECORD_FORMATS, 'json', doc);
/** A key the earlier collector had: accepted, ignored. */
export function ignored<V>(item: Item<V>): Item<never> {
  const { finish: _finish, __value: _value, ...rest } = item;
  return { ...rest, deprecated: true };
}
