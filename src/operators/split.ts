import { concat, concatWith, defer, from, mergeMap, type Observable, type OperatorFunction, throwError } from 'rxjs';
import type { BundleItem } from '../records/bundle-item';
import { PayloadSplitter } from '../records/payload-splitter';
import { RecordError } from '../records/record-error';
import { InvalidUtf8, Utf8Chunks } from '../records/utf8-chunks';

/**
 * Splits a bundle arriving as chunks (bytes or text, cut anywhere) into its records and
 * handshakes, each emitted as soon as it has been read. Bytes must be UTF-8.
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
      let read: BundleItem[] = [];
      const utf8 = new Utf8Chunks();
      const splitter = new PayloadSplitter((item) => void read.push(item));
      const decode = (chunk?: Uint8Array): string => {
        try {
          if (chunk !== undefined) return utf8.decode(chunk);
          utf8.end();
          return '';
        } catch (e) {
          if (!(e instanceof InvalidUtf8)) throw e;
          // The text before the bad byte is read first, as if the body had been cut there:
          // an error in it, and the record named below, then do not depend on the cuts.
          if (e.validText !== '') splitter.write(e.validText);
          throw new RecordError(`the bundle is not valid UTF-8 (at or after record ${splitter.count + 1})`);
        }
      };
      // The items that `write` read, then its error if it threw (the records before a bad one still go out first).
      const readBy = (write: () => void): Observable<BundleItem> => {
        let error: { e: unknown } | undefined;
        try {
          write();
        } catch (e) {
          error = { e };
        }
        const items = from(read);
        read = [];
        return error === undefined ? items : concat(items, throwError(() => error.e));
      };
      return source.pipe(
        mergeMap((chunk) => readBy(() => splitter.write(typeof chunk === 'string' ? chunk : decode(chunk)))),
        concatWith(
          defer(() =>
            readBy(() => {
              const rest = decode();
              if (rest !== '') splitter.write(rest);
              splitter.end();
            })),
        ),
      );
    });
}
