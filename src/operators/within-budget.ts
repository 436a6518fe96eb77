import { defer, finalize, map, type MonoTypeOperatorFunction } from 'rxjs';

/** What the operator needs of a shared byte budget (see InFlightBudget). */
export interface ByteBudget {
  tryTake(bytes: number): boolean;
  give(bytes: number): void;
}

/**
 * Counts each chunk against a byte budget shared by all requests, and gives the bytes back
 * when the request is over (complete, error or unsubscription). A chunk that does not fit
 * errors with `overloaded()`.
 *
 * ```
 * budget: 10 bytes, 4 already taken by another request
 * source: -a--b--|      (4 bytes each)
 * result: -a--#         (and the 4 bytes of a are given back)
 * ```
 */
export function withinBudget<T extends Uint8Array>(budget: ByteBudget, overloaded: () => Error): MonoTypeOperatorFunction<T> {
  return (source) =>
    defer(() => {
      let held = 0;
      return source.pipe(
        map((chunk) => {
          if (!budget.tryTake(chunk.byteLength)) throw overloaded();
          held += chunk.byteLength;
          return chunk;
        }),
        finalize(() => {
          budget.give(held);
          held = 0;
        }),
      );
    });
}
