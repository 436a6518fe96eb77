import type { Readable } from 'node:stream';
import { Observable } from 'rxjs';

/** A Node readable stream (a request body, a file, stdin) as an Observable of its chunks. */
export function fromReadable(stream: Readable): Observable<Buffer> {
  return new Observable<Buffer>((subscriber) => {
    const onData = (chunk: Buffer): void => subscriber.next(chunk);
    const onEnd = (): void => subscriber.complete();
    const onError = (e: Error): void => subscriber.error(e);
    stream.on('data', onData).once('end', onEnd).once('error', onError);
    return () => {
      stream.off('data', onData).off('end', onEnd).off('error', onError);
    };
  });
}
