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
 * Records and handshakes in one bundle past this make it invalid. Each costs a few hundred
 * bytes and some microseconds besides its text, so without a cap a bundle of tiny records
 * (`<R/>`, 4 bytes) would cost a hundred times its size. Real bundles hold at most tens of thousands.
 */
export const MAX_ITEMS_PER_BUNDLE = 100_000;
/** Characters of a payload that is no bundle quoted in the error. */
const QUOTED = 40;
/** `\s` takes in U+FEFF, the byte-order mark. */
const NOT_WHITESPACE = /\S/;

/**
 * Splits any of the three payload forms — a RecordEnvelope document, a replication bundle,
 * a lone record — telling them apart by their first characters. A payload of exactly
 * `xxx` is a probe's ping.
 */
export class PayloadSplitter {
  private inner: Splitter | undefined;
  /** The payload's first characters after any leading whitespace, until they tell its form. */
  private head = '';

  private readonly emit: EmitItem;

  constructor(emit: EmitItem) {
    this.emit = (item) => {
      if (item.index >= MAX_ITEMS_PER_BUNDLE) throw new RecordError(`a bundle holds at most ${MAX_ITEMS_PER_BUNDLE} records and handshakes`);
      emit(item);
    };
  }

  /** Records and handshakes emitted so far. */
  get count(): number {
    return this.inner?.count ?? 0;
  }

  write(chunk: string): void {
    if (this.inner !== undefined) {
      this.inner.write(chunk);
      return;
    }
    // Leading whitespace (a byte-order mark too) is skipped chunk by chunk, never held: `head`
    // holds at most the few characters that tell the forms apart (or those an error quotes).
    if (this.head === '') {
      const first = chunk.search(NOT_WHITESPACE);
      if (first < 0) return;
      chunk = chunk.slice(first);
    }
    this.head += chunk;
    const text = this.head;
    if (text[0] === '<') this.inner = new XmlRecordReader(this.emit);
    else if (text.length < REPLICATION.length && REPLICATION.startsWith(text)) return;
    else if (text.length <= PING.length && PING.startsWith(text)) return;
    else if (text.startsWith(REPLICATION)) this.inner = new ReplicationSplitter(this.emit);
    // Refused once as much has come as the error quotes (or at the end), so that the quote does not depend on the cuts.
    else if (text.length < QUOTED) return;
    else throw notABundle(text);
    this.head = '';
    this.inner.write(text);
  }

  end(): void {
    if (this.inner === undefined) {
      if (this.head === PING) {
        this.inner = { count: 1, write() {}, end() {} };
        this.emit({ kind: 'handshake', index: 0, ping: true });
        return;
      }
      if (this.head === '') throw new RecordError('empty bundle');
      throw notABundle(this.head);
    }
    this.inner.end();
  }
}

/** The error for a payload (its head, after leading whitespace) that is none of the three forms. */
function notABundle(head: string): RecordError {
  return new RecordError(`not a Gratia bundle: expected a RecordEnvelope, a record or a replication bundle, found ${JSON.stringify(head.slice(0, QUOTED))}`);
}
