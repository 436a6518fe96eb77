import { RecordError } from './record-error';
import { ReplicationSplitter } from './replication-splitter';
import { type EmitItem, XmlRecordReader } from './xml-record-reader';

/** Reads bytes of whole, valid UTF-8 characters (see Utf8Chunks). */
interface Splitter {
  readonly count: number;
  write(chunk: Buffer): void;
  end(): void;
}

const REPLICATION = Buffer.from('replication');
/** The whole payload of a probe's connection test. */
const PING = Buffer.from('xxx');
const LT = 0x3c;
const NO_BYTES = Buffer.alloc(0);
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

/** Whether `bytes` begin with `prefix`'s first `bytes.length` bytes (`bytes` no longer than `prefix`). */
function beginsWith(prefix: Buffer, bytes: Buffer): boolean {
  return bytes.length <= prefix.length && prefix.compare(bytes, 0, bytes.length, 0, bytes.length) === 0;
}

/**
 * Where the first character that is not whitespace (as `\s` means it) begins in `bytes`, or
 * -1. ASCII whitespace is stepped over byte by byte; from the first byte past ASCII on, the
 * rest is read as text (U+00A0, U+FEFF, … are whitespace too).
 */
function firstNonWhitespace(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x20 || (b >= 0x09 && b <= 0x0d)) continue;
    if (b < 0x80) return i;
    const text = bytes.toString('utf8', i);
    const first = text.search(NOT_WHITESPACE);
    return first < 0 ? -1 : i + Buffer.byteLength(text.slice(0, first));
  }
  return -1;
}

/**
 * The XML reader is given a chunk's text in pieces of at most this many bytes, each cut
 * just before a `<` (where a whole character ends). Why: V8 keeps a string of 128 kB or more
 * (a one-byte string of 128 K characters, a two-byte one of 64 K) in its large-object space,
 * and moves it to the old generation the first time a scavenge finds it alive; a whole
 * bundle's text is alive while it is read, so a scavenge in that time left some 400 kB in
 * the old generation until the next full collection (13–21 MiB a worker on today's records).
 * Pieces this size are young objects, which die young (all but a two-byte string of
 * almost 64 K characters, nearly every one of them a single byte). A cut inside a record
 * costs the reader that record's text again; chunks of a streamed body or a file (64 KiB)
 * are not cut at all.
 */
export const TEXT_PIECE_BYTES = 64 * 1024;

/** A record or a RecordEnvelope: the XML reader reads text. */
function xmlSplitter(emit: EmitItem): Splitter {
  const reader = new XmlRecordReader(emit);
  return {
    get count() {
      return reader.count;
    },
    write: (chunk) => {
      for (let at = 0; at < chunk.length;) {
        let end = chunk.length;
        if (end - at > TEXT_PIECE_BYTES) {
          const lt = chunk.lastIndexOf(LT, at + TEXT_PIECE_BYTES);
          end = lt > at ? lt : at + TEXT_PIECE_BYTES;
          // no `<` in the piece: cut after a whole character (not at a UTF-8 continuation byte)
          while (end > at + 1 && (chunk[end]! & 0xc0) === 0x80) end--;
        }
        reader.write(chunk.toString('utf8', at, end));
        at = end;
      }
    },
    end: () => reader.end(),
  };
}

/**
 * Splits any of the three payload forms — a RecordEnvelope document, a replication bundle,
 * a lone record — telling them apart by their first characters. A payload of exactly
 * `xxx` is a probe's ping. It reads bytes of whole, valid UTF-8 characters (see Utf8Chunks):
 * a replication bundle is split on them, so that only its records become text.
 */
export class PayloadSplitter {
  private inner: Splitter | undefined;
  /** The payload's first bytes after any leading whitespace, until they tell its form. */
  private head = NO_BYTES;

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

  write(chunk: Buffer): void {
    if (this.inner !== undefined) {
      this.inner.write(chunk);
      return;
    }
    // Leading whitespace (a byte-order mark too) is skipped chunk by chunk, never held: `head`
    // holds at most the few characters that tell the forms apart (or those an error quotes).
    if (this.head.length === 0) {
      const first = firstNonWhitespace(chunk);
      if (first < 0) return;
      chunk = chunk.subarray(first);
    }
    const head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
    if (head[0] === LT) this.inner = xmlSplitter(this.emit);
    // (a head of exactly `replication` is a bundle, one that may end too early)
    else if (head.length < REPLICATION.length && beginsWith(REPLICATION, head)) return this.hold(head);
    else if (beginsWith(PING, head)) return this.hold(head);
    else if (REPLICATION.equals(head.subarray(0, REPLICATION.length))) this.inner = new ReplicationSplitter(this.emit);
    // Refused once as much has come as the error quotes (or at the end), so that the quote does not depend on the cuts.
    else if (head.toString('utf8').length < QUOTED) return this.hold(head);
    else throw notABundle(head);
    this.head = NO_BYTES;
    this.inner.write(head);
  }

  end(): void {
    if (this.inner === undefined) {
      if (this.head.equals(PING)) {
        this.inner = { count: 1, write() {}, end() {} };
        this.emit({ kind: 'handshake', index: 0, ping: true });
        return;
      }
      if (this.head.length === 0) throw new RecordError('empty bundle');
      throw notABundle(this.head);
    }
    this.inner.end();
  }

  /** Keeps the head until more of it comes; copied, as a slice would keep the whole chunk it came in. */
  private hold(head: Buffer): void {
    this.head = Buffer.from(head);
  }
}

/** The error for a payload (its head, after leading whitespace) that is none of the three forms. */
function notABundle(head: Buffer): RecordError {
  return new RecordError(`not a Gratia bundle: expected a RecordEnvelope, a record or a replication bundle, found ${JSON.stringify(head.toString('utf8').slice(0, QUOTED))}`);
}
