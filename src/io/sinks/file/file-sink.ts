import { type FileHandle, open } from 'node:fs/promises';
import { BehaviorSubject, defer, ignoreElements, type Observable } from 'rxjs';
import { asLine, type Format } from '../../../records/formats';
import { type OutboundMessage, type Sink, SinkError } from '../../../contracts/sink';
import type { FileConfig } from './config';

/** The [file] table's settings (config.ts). */
export type FileSinkOptions = Readonly<Omit<FileConfig, 'enable'>>;

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

  async close(): Promise<void> {
    await this.tail;
    await (await this.file.catch(() => undefined))?.close();
    this.state.complete();
  }
}
