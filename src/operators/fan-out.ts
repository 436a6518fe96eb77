import { forkJoin, mergeMap, Observable, type OperatorFunction, of } from 'rxjs';

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
export function fanOut<T, S, R>(sinks: readonly S[], toSink: (sink: S, position: number) => OperatorFunction<T, R>): OperatorFunction<readonly T[], R[]> {
  return mergeMap((bundle): Observable<R[]> =>
    sinks.length === 0 ? of([]) : forkJoin(sinks.map((sink, position) => handOut(bundle, sinks.length).pipe(toSink(sink, position)))));
}

/**
 * The bundle's values for `subscribers` subscriptions, after which it lets go of them: the
 * sinks' pipelines turn them into messages at once, and the values (mapped records, large
 * objects) need not stay alive while the confirms are awaited (`from(bundle)` would keep
 * them until the forkJoin completes, and the garbage collector copying them meanwhile cost
 * ~5% of the CPU time). A subscription beyond those errors rather than emit nothing.
 */
function handOut<T>(bundle: readonly T[], subscribers: number): Observable<T> {
  let held: readonly T[] | undefined = bundle;
  let left = subscribers;
  return new Observable<T>((subscriber) => {
    const values = held;
    if (values === undefined) {
      subscriber.error(new Error('fanOut: the bundle was already handed out to every sink'));
      return;
    }
    if (--left === 0) held = undefined;
    for (const v of values) {
      if (subscriber.closed) return;
      subscriber.next(v);
    }
    subscriber.complete();
  });
}
