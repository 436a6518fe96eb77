import { RecordError } from './record-error';
import { ReplicationSplitter } from './replication-splitter';
import { type EmitItem, XmlRecordReader } from './xml-record-reader';

interface Splitter {
  readonly count: number;
  write(chunk: string): void;
  end(): void;
}

const REPLICATION = 'replication';
/** The whole payload of a probe's connection test. */
const PING = 'xxx';

/**
 * Splits any of the three payload forms — a RecordEnvelope document, a replication bundle,
 * a lone record — telling them apart by their first characters. A payload of exactly
 * `xxx` is a probe's ping.
 */
export class PayloadSplitter {
  private inner: Splitter | undefined;
  private head = '';

  constructor(private readonly emit: EmitItem) {}

  /** Records and handshakes emitted so far. */
  get count(): number {
    return this.inner?.count ?? 0;
  }

  write(chunk: string): void {
    if (this.inner !== undefined) {
      this.inner.write(chunk);
      return;
    }
    this.head += chunk;
    const text = this.head.replace(/^\uFEFF?\s*/, '');
    if (text === '') return;
    if (text[0] === '<') this.inner = new XmlRecordReader(this.emit);
    else if (text.length < REPLICATION.length && REPLICATION.startsWith(text)) return;
    else if (text.length <= PING.length && PING.startsWith(text)) return;
    else if (text.startsWith(REPLICATION)) this.inner = new ReplicationSplitter(this.emit);
    else throw new RecordError(`not a Gratia bundle: expected a RecordEnvelope, a record or a replication bundle, found ${JSON.stringify(text.slice(0, 40))}`);
    this.head = '';
    this.inner.write(text);
  }

  end(): void {
    if (this.inner === undefined) {
      if (this.head.trim() === PING) {
        this.inner = { count: 1, write() {}, end() {} };
        this.emit({ kind: 'handshake', index: 0, ping: true });
        return;
      }
      if (this.head.trim() === '') throw new RecordError('empty bundle');
      throw new RecordError(`not a Gratia bundle: ${JSON.stringify(this.head.slice(0, 40))}`);
    }
    this.inner.end();
  }
}
