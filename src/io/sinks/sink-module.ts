import type bunyan from 'bunyan';
import type { ConfigOf, Definition, Item } from '../../config';
import type { Format, OutboundMessage, RecordAddressing, Sink } from '../../contracts/sink';

/**
 * How a sink writes each record's message and where it sends it, from its table alone (no
 * connection): what the sink itself uses, and what `convert -c` previews.
 */
export interface SinkEncoder {
  readonly format: Format;
  /** How records are addressed by their fields; unset when every record goes to the same place. */
  readonly addressing?: RecordAddressing;
  /** Where a message goes, as the preview shows it (`routingKey`; `topic` and `key`); `{}` for a sink without destinations. */
  where(message: OutboundMessage): Readonly<Record<string, string | null>>;
}

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
  /** Its encoder (a sink that addresses nothing need not say: its format alone). Throws on a destination it cannot use. */
  readonly encoder?: (config: ConfigOf<D>) => SinkEncoder;
  /** The sink, connecting in the background; throws on options it cannot use. */
  create(config: ConfigOf<D>, context: SinkContext): Sink;
}

/** Declares a sink module, keeping its own config type. */
export function defineSink<N extends string, D extends Definition>(module: SinkModule<N, D>): SinkModule<N, D> {
  return module;
}
