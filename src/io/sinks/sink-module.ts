import type bunyan from 'bunyan';
import type { ConfigOf, Definition, Item } from '../../config';
import type { Sink } from '../../contracts/sink';

/** What every sink is given besides its own table. */
export interface SinkContext {
  /** The collector's `timeout`: how long a bundle may wait for its confirms. */
  readonly timeoutMs: number;
  /** The collector's `closeTimeout`: how long the sink's close may take when the collector stops. */
  readonly closeTimeoutMs: number;
  readonly log: bunyan;
}

/**
 * A sink as the collector knows it: its name (its TOML table, `[amqp]`, and its
 * GRACC_AMQP_* variables), the keys of that table, and how to make the sink from them.
 * Listed, one line each, in registry.ts.
 */
export interface SinkModule<N extends string = string, D extends Definition = Definition> {
  readonly name: N;
  /** Its table's keys, `enable` among them. */
  readonly config: D & { readonly enable: Item<boolean> };
  /** Where it differs from the defaults when no config file is given (the quickstart needs no broker). */
  readonly withoutFile?: { readonly enable: boolean };
  /** A problem across its keys, naming the key; checked once every key is valid on its own. */
  readonly check?: (config: ConfigOf<D>, raw: Readonly<Record<string, unknown>>) => string | undefined;
  /**
   * A problem with the files its table names (TLS certificates and keys: missing, unreadable,
   * not PEM), naming the key; checked at start-up (and by anything validating a config) for an enabled sink.
   */
  readonly checkFiles?: (config: ConfigOf<D>) => string | undefined;
  /** The sink, connecting in the background; throws on options it cannot use. */
  create(config: ConfigOf<D>, context: SinkContext): Sink;
}

/** Declares a sink module, keeping its own config type. */
export function defineSink<N extends string, D extends Definition>(module: SinkModule<N, D>): SinkModule<N, D> {
  return module;
}
