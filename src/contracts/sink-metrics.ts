import type { SinkFailure } from './sink';

/** A sink's connection state, as `gracc_sink_state` shows it. */
export type SinkState = 'connected' | 'blocked' | 'down';
export const SINK_STATES: readonly SinkState[] = ['connected', 'blocked', 'down'];

/**
 * Where the facts about each sink are reported: the publishing operators report what they
 * handed over and how it ended, the sinks their own events (messages nacked or returned by
 * the broker, reconnects, state changes). io/metrics.ts implements it with Prometheus
 * counters; tests use NO_SINK_METRICS or a recording one, so operators stay pure.
 */
export interface SinkMetrics {
  /** A bundle of `records` was handed to the sink. */
  published(sink: string, records: number): void;
  /** The sink confirmed a bundle of `records`, `seconds` after it was handed over. */
  confirmed(sink: string, records: number, seconds: number): void;
  /** A bundle handed to the sink failed, and why (a bundle given up because another sink failed is neither confirmed nor failed). */
  failed(sink: string, failure: SinkFailure): void;
  /** The broker refused (nacked) `count` messages, or returned them unroutable. */
  refused(sink: string, how: 'nack' | 'returned', count: number): void;
  /** The sink connected again after losing its connection (or replacing its producer). */
  reconnected(sink: string): void;
  /** The sink's connection state changed (reported at start too). */
  state(sink: string, state: SinkState): void;
}

const nothing = (): void => {};

/** Counts nothing: the default wherever no metrics are wanted. */
export const NO_SINK_METRICS: SinkMetrics = {
  published: nothing,
  confirmed: nothing,
  failed: nothing,
  refused: nothing,
  reconnected: nothing,
  state: nothing,
};
