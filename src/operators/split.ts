import { concatWith, defer, mergeMap, Observable, type OperatorFunction, type Subscriber } from 'rxjs';
import type { BundleItem } from '../records/bundle-item';
import { PayloadSplitter } from '../records/payload-splitter';
import { RecordError } from '../records/record-error';
import { InvalidUtf8, Utf8Chunks } from '../records/utf8-chunks';

const NO_BYTES = Buffer.alloc(0);

/**
 * Splits a bundle arriving as chunks (bytes or text, cut anywhere) into its records and
 * handshakes, each emitted as soon as it has been read. Bytes must be UTF-8; text is read
 * as its UTF-8 bytes (so a text chunk must not end inside a surrogate pair).
 *
 * ```
 * source: -a---b---c---|        (chunks of `<RecordEnvelope><R/><R/></RecordEnvelope>`)
 * result: -----1-------(2|)     (records, as their end tags arrive)
 * ```
 * A malformed bundle errors with a RecordError naming the record; nothing after it is emitted.
 */
export function split(): OperatorFunction<Uint8Array | string, BundleItem> {
  return (source) =>
    defer(() => {
      /** Where the items of the chunk being read go. */
      let reading: Subscriber<BundleItem> | undefined;
      const utf8 = new Utf8Chunks();
      const splitter = new PayloadSplitter((item) => reading?.next(item));
      // The splitter gets the bytes of whole characters, checked: it makes strings only of
      // what it reads (a replication bundle's raw parts are stepped over as bytes).
      const checked = (chunk?: Uint8Array | string): Buffer => {
        try {
          if (chunk === undefined) {
            utf8.end();
            return NO_BYTES;
          }
          return utf8.whole(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        } catch (e) {
          if (!(e instanceof InvalidUtf8)) throw e;
          // The bytes before the bad one are read first, as if the body had been cut there:
          // an error in them, and the record named below, then do not depend on the cuts.
          if (e.validBytes.length > 0) splitter.write(e.validBytes);
          throw new RecordError(`the bundle is not valid UTF-8 (at or after record ${splitter.count + 1})`);
        }
      };
      // The items that `write` reads, each passed on as the splitter reads it (mapped and
      // formatted while its tree is still in the CPU's caches: gathered a chunk at a time,
      // some 17 records, the mapping cost a fifth more and the young generation kept more
      // alive), then its error if it throws (the records before a bad one go out first).
      const readBy = (write: () => void): Observable<BundleItem> =>
        new Observable<BundleItem>((subscriber) => {
          reading = subscriber;
          try {
            write();
          } catch (e) {
            subscriber.error(e);
            return;
          } finally {
            reading = undefined;
          }
          subscriber.complete();
        });
      return source.pipe(
        mergeMap((chunk) => readBy(() => splitter.write(checked(chunk)))),
        concatWith(
          defer(() =>
            readBy(() => {
              checked();
              splitter.end();
            })),
        ),
      );
    });
}
