import { defer, type Observable, type OperatorFunction, concat, of, toArray, mergeMap, tap } from 'rxjs';
import { type OutboundMessage, type Sink, SinkError } from '../contracts/sink';
import { NO_SINK_METRICS, type SinkMetrics } from '../contracts/sink-metrics';

/** What one sink confirmed of a bundle. */
export interface Confirmed {
  readonly sink: string;
  readonly records: number;
}

/**
 * Publishes a bundle's messages to a sink as one batch and emits once every one of them is
 * confirmed; a nack, a returned message or a lost channel errors with the sink's SinkError.
 * Reports the bundle to `metrics`: published, then confirmed (with the time the sink took,
 * by `clock`, in ms: a scheduler's in virtual time) or failed (by the SinkError's failure; any other error is 'error').
 *
 * ```
 * source:          -a-b-|
 * sink.publish:         ----|        (confirms after 4 frames)
 * result:          ---------(c|)     (c = { sink, records: 2 })
 * ```
 */
export function publishWithConfirm(
  sink: Pick<Sink, 'name' | 'publish'>,
  metrics: SinkMetrics = NO_SINK_METRICS,
  clock: { now(): number } = performance,
): OperatorFunction<OutboundMessage, Confirmed> {
  return (source) =>
    source.pipe(
      toArray(),
      mergeMap((batch): Observable<Confirmed> =>
        defer(() => {
          metrics.published(sink.name, batch.length);
          const start = clock.now();
          return concat(sink.publish(batch), of({ sink: sink.name, records: batch.length })).pipe(
            tap({
              next: () => metrics.confirmed(sink.name, batch.length, (clock.now() - start) / 1000),
              error: (e: unknown) => metrics.failed(sink.name, e instanceof SinkError ? e.failure : 'error'),
            }),
          );
        })),
    );
}
