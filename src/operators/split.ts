import { Observable, type OperatorFunction } from 'rxjs';
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
    new Observable<BundleItem>((subscriber) => {
      const utf8 = new Utf8Chunks();
      const splitter = new PayloadSplitter((item) => subscriber.next(item));
      const decode = (chunk?: Uint8Array): string => {
        try {
          if (chunk !== undefined) return utf8.decode(chunk);
          utf8.end();
          return '';
        } catch (e) {
          if (!(e instanceof InvalidUtf8)) throw e;
          throw new RecordError(`the bundle is not valid UTF-8 (at or after record ${splitter.count + 1})`);
        }
      };
      return source.subscribe({
        next(chunk) {
          try {
            splitter.write(typeof chunk === 'string' ? chunk : decode(chunk));
          } catch (e) {
            subscriber.error(e);
          }
        },
        error: (e) => subscriber.error(e),
        complete() {
          try {
            const rest = decode();
            if (rest !== '') splitter.write(rest);
            splitter.end();
            subscriber.complete();
          } catch (e) {
            subscriber.error(e);
          }
        },
      });
    });
}
