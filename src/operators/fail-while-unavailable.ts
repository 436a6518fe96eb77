import { type MonoTypeOperatorFunction, switchMap, take, throwError } from 'rxjs';
import { type Sink, SinkError } from '../contracts/sink';

/**
 * Lets a bundle through to a sink only if the sink can take it now: while the broker is
 * unreachable or blocks the connection (memory or disk alarm), the bundle fails at once
 * instead of waiting for a confirm that will not come.
 *
 * ```
 * unavailable$: n------b-----      (n = null, b = "blocked: low on memory")
 * subscribe at 0:  source's values and completion
 * subscribe at 8:  #               (SinkError 'blocked')
 * ```
 */
export function failWhileUnavailable<T>(sink: Pick<Sink, 'name' | 'unavailable$'>): MonoTypeOperatorFunction<T> {
  return (source) =>
    sink.unavailable$.pipe(
      take(1),
      switchMap((reason) =>
        reason === null ? source : throwError(() => new SinkError(sink.name, /block/i.test(reason) ? 'blocked' : 'down', reason))),
    );
}
