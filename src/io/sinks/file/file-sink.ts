import { type FileHandle, open } from 'node:fs/promises';
import { BehaviorSubject, defer, ignoreElements, type Observable } from 'rxjs';
import { asLine } from '../../../records/formats';
import { type Format, type OutboundMessage, type Sink, SinkError } from '../../../contracts/sink';
import { DEFAULT_CLOSE_TIMEOUT_MS, withTimeout } from '../../deadline';
import type { FileConfig } from './config';

/** The [file] table's settings (config.ts), and how long close() may take. */
export type FileSinkOptions = Readonly<Omit<FileConfig, 'enable'>> & {
  /** close() waits this long at most for the last write and the file's close, ms; default 10000. */
  readonly closeTimeoutMs?: number;
};

/**
 * Appends each bundle to a file, one record a line (NDJSON for the json format), and
 * flushes it to disk before confirming. Bundles are written one after another, whole.
 */
export class FileSink implements Sink {
  readonly name = 'file';
  readonly format: Format;
  private readonly state = new BehaviorSubject<string | null>(null);
  readonly unavailable$: Observable<string | null> = this.state.asObservable();
  private file: Promise<FileHandle>;
  /** The previous write: each bundle waits for it, so bundles never interleave. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: FileSinkOptions) {
    this.format = options.format;
    this.file = open(options.path, 'a');
    this.file.catch((e: Error) => this.state.next(`cannot open ${options.path}: ${e.message}`));
  }

  publish(messages: readonly OutboundMessage[]): Observable<never> {
    return defer(() => {
      const text = messages.map((m) => asLine(m.body.toString(), this.format) + '\n').join('');
      const write = this.tail.then(async () => {
        const file = await this.file;
        await file.appendFile(text);
        await file.datasync();
      });
      this.tail = write.catch(() => undefined);
      return write.catch((e: Error) => {
        throw new SinkError(this.name, 'error', `cannot write ${this.options.path}: ${e.message}`);
      });
    }).pipe(ignoreElements());
  }

  /** Waits for the last write and closes the file; rejects when that takes longer than closeTimeoutMs (a hung disk or NFS mount). */
  close(): Promise<void> {
    const ms = this.options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    const closed = (async () => {
      await this.tail;
      await (await this.file.catch(() => undefined))?.close();
    })();
    return withTimeout(closed, ms, `${this.options.path} did not finish its last write and close within ${ms} ms`).finally(() => this.state.complete());
  }
}
