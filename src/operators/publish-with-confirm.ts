import { defer, type Observable, type OperatorFunction, concat, of, toArray, mergeMap } from 'rxjs';
import type { OutboundMessage, Sink } from '../contracts/sink';

/** What one sink confirmed of a bundle. */
export interface Confirmed {
  readonly sink: string;
  readonly records: number;
}

/**
 * Publishes a bundle's messages to a sink as one batch and emits once every one of them is
 * confirmed; a nack, a returned message or a lost channel errors with the sink's SinkError.
 *
 * ```
 * source:          -a-b-|
 * sink.publish:         ----|        (confirms after 4 frames)
 * result:          ---------(c|)     (c = { sink, records: 2 })
 * ```
 */
export function publishWithConfirm(sink: Pick<Sink, 'name' | 'publish'>): OperatorFunction<OutboundMessage, Confirmed> {
  return (source) =>
    source.pipe(
      toArray(),
      mergeMap((batch): Observable<Confirmed> =>
        concat(defer(() => sink.publish(batch)), of({ sink: sink.name, records: batch.length }))),
    );
}
