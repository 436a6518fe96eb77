import { Observable, type MonoTypeOperatorFunction } from 'rxjs';

/**
 * Holds every value back until the source completes, then emits them all: a bundle is
 * valid as a whole or not at all, so nothing of an invalid bundle reaches a sink.
 *
 * ```
 * source: -a--b--c--|
 * result: ----------(abc|)
 *
 * source: -a--b--#
 * result: -------#         (only the error)
 * ```
 */
export function validateAll<T>(): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let held: T[] = [];
      return source.subscribe({
        next: (value) => void held.push(value),
        error: (e) => {
          held = [];
          subscriber.error(e);
        },
        complete: () => {
          const all = held;
          held = [];
          for (const value of all) {
            if (subscriber.closed) return;
            subscriber.next(value);
          }
          subscriber.complete();
        },
      });
    });
}
