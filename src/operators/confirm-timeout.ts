import { asyncScheduler, type MonoTypeOperatorFunction, type Observable, type SchedulerLike, throwError, timeout } from 'rxjs';
import { SinkError } from '../contracts/sink';
import { NO_SINK_METRICS, type SinkMetrics } from '../contracts/sink-metrics';

/**
 * Fails a sink's publish that is not confirmed within `ms`, so a stalled broker gets the
 * sender a 503 (and a retry) instead of an answer that never comes; reports the timeout to
 * `metrics` (the publish it cuts short reports nothing itself).
 *
 * ```
 * source: ------c|     ms = 3
 * result: ---#         (SinkError 'timeout')
 * ```
 */
export function confirmTimeout<T>(
  ms: number,
  sink: string,
  scheduler: SchedulerLike = asyncScheduler,
  metrics: SinkMetrics = NO_SINK_METRICS,
): MonoTypeOperatorFunction<T> {
  return timeout<T, Observable<never>>({
    first: ms,
    scheduler,
    with: () => {
      metrics.failed(sink, 'timeout');
      return throwError(() => new SinkError(sink, 'timeout', `no confirm within ${ms} ms`));
    },
  });
}
