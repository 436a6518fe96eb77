import { forkJoin, from, mergeMap, type Observable, type OperatorFunction, of } from 'rxjs';

/**
 * Sends every bundle to every sink at once, each through its own pipeline, and emits the
 * sinks' results together once all of them succeeded. The first failure is the bundle's
 * failure (the others are released; at-least-once makes any of their copies harmless).
 *
 * ```
 * source:  -B----------|        (B = a validated bundle)
 * sink 1:   --x|
 * sink 2:   -----y|
 * result:  ------([x,y])-|
 * ```
 */
export function fanOut<T, S, R>(sinks: readonly S[], toSink: (sink: S) => OperatorFunction<T, R>): OperatorFunction<readonly T[], R[]> {
  return mergeMap((bundle): Observable<R[]> =>
    sinks.length === 0 ? of([]) : forkJoin(sinks.map((sink) => from(bundle).pipe(toSink(sink)))));
}
