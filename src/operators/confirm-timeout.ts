import { asyncScheduler, type MonoTypeOperatorFunction, type Observable, type SchedulerLike, throwError, timeout } from 'rxjs';
import { SinkError } from '../contracts/sink';

/**
 * Fails a sink's publish that is not confirmed within `ms`, so a stalled broker gets the
 * sender a 503 (and a retry) instead of an answer that never comes.
 *
 * ```
 * source: ------c|     ms = 3
 * result: ---#         (SinkError 'timeout')
 * ```
 */
export function confirmTimeout<T>(ms: number, sink: string, scheduler: SchedulerLike = asyncScheduler): MonoTypeOperatorFunction<T> {
  return timeout<T, Observable<never>>({
    first: ms,
    scheduler,
    with: () => throwError(() => new SinkError(sink, 'timeout', `no confirm within ${ms} ms`)),
  });
}
