import { RecordError } from './record-error';
import { type EmitItem, XmlRecordReader } from './xml-record-reader';

const PIPE = 0x7c, QUOTE = 0x22, BACKSLASH = 0x5c;

/** The next position of `c` from `i`, or the length when there is none. */
function nextOf(bytes: Buffer, c: number, i: number): number {
  const at = bytes.indexOf(c, i);
  return at < 0 ? bytes.length : at;
}

/**
 * Splits a replication bundle, `replication|<record>|<raw>|<extra>|replication|…`, written
 * in chunks cut anywhere. Tokens are separated by `|` outside double-quoted strings, a
 * backslash escaping the next character. After each `replication` come three parts, of
 * which the first is the record; empty tokens between groups are skipped.
 *
 * It reads bytes of whole, valid UTF-8 characters (see Utf8Chunks), and only the word
 * `replication` and the records become text: the raw part, as long as the record, is
 * stepped over as bytes. The separators are ASCII, never part of a longer sequence, so a
 * piece cut at one decodes on its own; a backslash before a longer character escapes its
 * first byte, and the bytes after it are none of the three.
 */
export class ReplicationSplitter {
  /** The pieces of the token being read that came in earlier chunks, joined once it ends (flat: see flat-text.ts). */
  private readonly tokenParts: string[] = [];
  private inQuotes = false;
  private escapePending = false;
  /** 0: expecting `replication`; 1, 2, 3: expecting that part of the group. */
  private part = 0;
  private nextIndex = 0;
  /** One reader for every record of the bundle, restarted for each. */
  private readonly reader: XmlRecordReader;
  /** The record part being read: it is the record's text exactly as sent. */
  private recordText = '';

  constructor(private readonly emit: EmitItem) {
    this.reader = new XmlRecordReader((item) => this.emit(item.kind === 'record' ? { ...item, raw: this.recordText } : item));
  }

  get count(): number {
    return this.nextIndex;
  }

  write(chunk: Buffer): void {
    const n = chunk.length;
    let from = 0;
    let i = 0;
    if (this.escapePending && n > 0) {
      this.escapePending = false;
      i = 1;
    }
    // Positions of the next special characters, found with indexOf (much cheaper than a
    // regular expression per quote) and looked for again only once passed; n when none.
    let pipe = -1, quote = -1, backslash = -1;
    while (i < n) {
      if (backslash < i) backslash = nextOf(chunk, BACKSLASH, i);
      if (quote < i) quote = nextOf(chunk, QUOTE, i);
      if (!this.inQuotes && pipe < i) pipe = nextOf(chunk, PIPE, i);
      const at = this.inQuotes ? Math.min(quote, backslash) : Math.min(pipe, quote, backslash);
      if (at >= n) break;
      if (at === backslash) {
        if (at + 1 >= n) this.escapePending = true;
        i = at + 2;
      } else if (at === quote) {
        this.inQuotes = !this.inQuotes;
        i = at + 1;
      } else {
        // the raw and extra parts are only stepped over: no string is made of them
        this.onToken(this.keepsToken() ? this.takeToken(chunk.toString('utf8', from, at)) : '');
        from = at + 1;
        i = at + 1;
      }
    }
    if (this.keepsToken() && from < n) this.tokenParts.push(chunk.toString('utf8', from, n));
  }

  /** The token whose last piece is `last`. */
  private takeToken(last: string): string {
    const parts = this.tokenParts;
    if (parts.length === 0) return last;
    parts.push(last);
    const token = parts.join('');
    parts.length = 0;
    return token;
  }

  /** Whether the token being read is looked at: the word `replication` or a record (not the parts after it). */
  private keepsToken(): boolean {
    return this.part <= 1;
  }

  end(): void {
    const token = this.takeToken('');
    if (token !== '') this.onToken(token);
    if (this.part === 1) throw new RecordError(`replication bundle ends before the record of group ${this.nextIndex + 1}`);
  }

  private onToken(token: string): void {
    switch (this.part) {
      case 0: {
        const word = token.trim();
        if (word === '') return;
        if (word !== 'replication') {
          throw new RecordError(`replication bundle: expected "replication" before record ${this.nextIndex + 1}, found ${JSON.stringify(word.slice(0, 40))}`);
        }
        this.part = 1;
        return;
      }
      case 1:
        this.readRecord(token);
        this.part = 2;
        return;
      case 2:
        this.part = 3;
        return;
      default:
        this.part = 0;
    }
  }

  private readRecord(text: string): void {
    const index = this.nextIndex++;
    if (text.trim() === '') throw RecordError.at(index, undefined, 'empty record in replication bundle');
    const reader = this.reader;
    this.recordText = text;
    reader.restart(index);
    reader.write(text);
    reader.end();
    if (reader.count !== index + 1) throw RecordError.at(index, undefined, 'replication record holds no record element');
  }
}
