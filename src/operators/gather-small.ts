import { concatWith, defer, mergeMap, type MonoTypeOperatorFunction } from 'rxjs';

/**
 * Holds a request's chunks back until the request is complete and then passes them all on
 * at once; once more than `maxBytes` are held, it lets them go and passes the rest on as
 * they come (a large bundle streams, so memory stays bounded).
 *
 * Why: with several requests in flight their chunks arrive interleaved, and a bundle read
 * as its chunks arrive keeps its half-read records alive while the others are read in
 * between: the garbage collector copies them again and again. Held as raw chunks (outside
 * the JS heap) and read in one go, a small bundle leaves only short-lived objects.
 *
 * ```
 * maxBytes: 10, chunks of 4 bytes
 * source: -a--b--|          source: -a--b--c-----d--|
 * result: -------(ab|)      result: -------(abc)-d--|
 * ```
 * An error drops what is held and passes through.
 */
export function gatherSmall<T extends Uint8Array>(maxBytes: number): MonoTypeOperatorFunction<T> {
  return (source) =>
    defer(() => {
      let held: T[] | undefined = [];
      let bytes = 0;
      const letGo = (): T[] => {
        const chunks = held ?? [];
        held = undefined;
        return chunks;
      };
      return source.pipe(
        mergeMap((chunk): T[] => {
          if (held === undefined) return [chunk];
          held.push(chunk);
          bytes += chunk.byteLength;
          return bytes > maxBytes ? letGo() : [];
        }),
        concatWith(defer(letGo)),
      );
    });
}
