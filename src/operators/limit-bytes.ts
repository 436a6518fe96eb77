import { defer, map, type MonoTypeOperatorFunction } from 'rxjs';

/**
 * Passes chunks on while their total size stays within `max` bytes; past it, errors with
 * `tooLarge()` and releases the source.
 *
 * ```
 * source: -a--b--c--|       (4 bytes each, max 10)
 * result: -a--b--#
 * ```
 */
export function limitBytes<T extends Uint8Array>(max: number, tooLarge: () => Error): MonoTypeOperatorFunction<T> {
  return (source) =>
    defer(() => {
      let total = 0;
      return source.pipe(
        map((chunk) => {
          total += chunk.byteLength;
          if (total > max) throw tooLarge();
          return chunk;
        }),
      );
    });
}
