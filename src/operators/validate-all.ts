import { mergeAll, pipe, type MonoTypeOperatorFunction, toArray } from 'rxjs';

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
  return pipe(toArray(), mergeAll());
}
