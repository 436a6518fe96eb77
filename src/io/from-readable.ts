import type { Readable } from 'node:stream';
import { Observable } from 'rxjs';

/** The stream ended without its end: a client that hung up mid-body. */
export class IncompleteBody extends Error {
  override name = 'IncompleteBody';
}

/**
 * A Node readable stream (a request body, a file, stdin) as an Observable of its chunks;
 * `cut`, when aborted, errors it with the signal's reason (the stream itself is left as is).
 */
export function fromReadable(stream: Readable, cut?: AbortSignal): Observable<Buffer> {
  return new Observable<Buffer>((subscriber) => {
    if (cut?.aborted) return subscriber.error(cut.reason);
    const onCut = (): void => subscriber.error(cut!.reason);
    cut?.addEventListener('abort', onCut, { once: true });
    const onData = (chunk: Buffer): void => subscriber.next(chunk);
    const onEnd = (): void => subscriber.complete();
    const onError = (e: Error): void => subscriber.error(e);
    // 'close' after 'end' is the normal order; 'close' alone means the body never finished.
    const onClose = (): void => subscriber.error(new IncompleteBody('the stream closed before its end'));
    stream.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
    return () => {
      cut?.removeEventListener('abort', onCut);
      stream.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
  });
}
