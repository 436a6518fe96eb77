import type bunyan from 'bunyan';
import type { ConfigOf, Definition, Item } from '../../config';
import type { Format, OutboundMessage, RecordAddressing, Sink } from '../../contracts/sink';
import type { SinkMetrics } from '../../contracts/sink-metrics';

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
  /** Where the sink reports its own events (nacks, returns, reconnects, state). */
  readonly metrics: SinkMetrics;
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
  /**
   * Every problem with its table that would otherwise show only later, when the sink is made
   * or first connects: across keys, what this runtime lacks (a codec), files it must read or
   * write. One line each, naming the key; none when it can run. Called once every key is valid
   * on its own, by every configuration load: start-up, a reload and `validate` refuse the same.
   */
  readonly check?: (config: ConfigOf<D>, raw: Readonly<Record<string, unknown>>) => readonly string[];
  /**
   * `validate --connect`: connects as the sink would, checks there what it needs (AMQP: the
   * exchange declared; Kafka: the topic present), and disconnects, within `timeoutMs`.
   * Resolves with what it found, rejects with why it could not.
   */
  connect?(config: ConfigOf<D>, context: SinkContext): Promise<string>;
  /** Its encoder (a sink that addresses nothing need not say: its format alone). Throws on a destination it cannot use. */
  readonly encoder?: (config: ConfigOf<D>) => SinkEncoder;
  /** The sink, connecting in the background; throws on options it cannot use. */
  create(config: ConfigOf<D>, context: SinkContext): Sink;
}

/** Declares a sink module, keeping its own config type. */
export function defineSink<N extends string, D extends Definition>(module: SinkModule<N, D>): SinkModule<N, D> {
  return module;
}
