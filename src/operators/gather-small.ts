import { concatWith, defer, mergeMap, type MonoTypeOperatorFunction } from 'rxjs';
import { joinPrivately } from '../records/private-bytes';

/**
 * Holds a request's chunks back until the request is complete and then passes them on at
 * once, joined into one; once more than `maxBytes` are held, it lets them go (joined) and
 * passes the rest on as they come (a large bundle streams, so memory stays bounded).
 *
 * Why: with several requests in flight their chunks arrive interleaved, and a bundle read
 * as its chunks arrive keeps its half-read records alive while the others are read in
 * between: the garbage collector copies them again and again. Held as raw chunks (outside
 * the JS heap) and read in one go, a small bundle leaves only short-lived objects. Joined,
 * its payload is decoded and scanned as one piece: no record is cut between two chunks and
 * read again (9 % of a modern envelope's request path, bench/pipeline, for a copy of the body).
 *
 * ```
 * maxBytes: 10, chunks of 4 bytes (x = a+b, y = a+b+c)
 * source: -a--b--|          source: -a--b--c-----d--|
 * result: -------(x|)       result: -------y-----d--|
 * ```
 * A joined chunk is private (records/private-bytes.ts): the form decoder decodes it in place.
 * An error drops what is held and passes through.
 */
export function gatherSmall(maxBytes: number): MonoTypeOperatorFunction<Uint8Array> {
  return (source) =>
    defer(() => {
      let held: Uint8Array[] | undefined = [];
      let bytes = 0;
      const letGo = (): Uint8Array[] => {
        const chunks = held ?? [];
        held = undefined;
        return chunks.length > 1 ? [joinPrivately(chunks, bytes)] : chunks;
      };
      return source.pipe(
        mergeMap((chunk): Uint8Array[] => {
          if (held === undefined) return [chunk];
          held.push(chunk);
          bytes += chunk.byteLength;
          return bytes > maxBytes ? letGo() : [];
        }),
        concatWith(defer(letGo)),
      );
    });
}
