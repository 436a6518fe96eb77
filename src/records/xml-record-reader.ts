import { bundleItem } from './bundle-item';
import { BAILED, FastXmlScanner } from './fast-xml-scanner';
import { type EmitItem, MAX_DEPTH, MAX_ELEMENTS_PER_RECORD, SaxesRecordReader } from './saxes-record-reader';
import type { XmlElement } from './xml-element';
import { flatConcat } from './flat-text';

export { type EmitItem, MAX_DEPTH, MAX_ELEMENTS_PER_RECORD } from './saxes-record-reader';

/**
 * The most text of one document the reader holds for saxes, should the scanner give up:
 * past this, the text of the records read is let go of (see XmlRecordReader). It bounds the
 * memory a document costs besides its records (convert on a 57 MB envelope: 194 MiB peak at
 * 1 MiB, 217 MiB at 4) and what saxes may have to read again.
 */
export const MAX_HELD_TEXT = 1024 * 1024;
/**
 * The most text of one record the scanner reads again as chunks arrive (it begins the
 * record again with each): a record cut into many chunks past this goes to saxes. Gratia
 * records are a few kB.
 */
export const MAX_RESCANNED_RECORD = 256 * 1024;

const LINE_BREAK = /\r\n?|\n/g;
const CR = 0x0d;
const LF = 0x0a;
const HIGH_SURROGATE = /[\ud800-\udbff]/g;

/** Where saxes's position is after reading some text: its line breaks, and its code points after the last one. */
class Position {
  lines = 0;
  column = 0;

  /** Moves on over `text[from, to)` (which does not end inside a CR LF). */
  over(text: string, from: number, to: number): void {
    let lineStart = from;
    const cr = text.indexOf('\r', from);
    if (cr < 0 || cr >= to) {
      // line feeds alone, found by indexOf (a regular expression's matches cost 5× as much)
      for (let lf = text.indexOf('\n', from); lf >= 0 && lf < to; lf = text.indexOf('\n', lf + 1)) {
        this.lines++;
        lineStart = lf + 1;
      }
    } else {
      LINE_BREAK.lastIndex = from;
      for (let m = LINE_BREAK.exec(text); m !== null && m.index < to; m = LINE_BREAK.exec(text)) {
        this.lines++;
        lineStart = m.index + m[0].length;
      }
    }
    if (lineStart > from) this.column = 0; // a line break was read
    const rest = text.slice(lineStart, to);
    this.column += rest.length - (rest.match(HIGH_SURROGATE)?.length ?? 0);
  }

  /**
   * Moves on over `[from, to)` of the text that `pieces` make together, piece by piece: joining
   * them first would copy a megabyte of text to count its lines. A CR LF cut between two
   * pieces is one line break.
   */
  overPieces(pieces: readonly string[], from: number, to: number): void {
    let base = 0;
    let endedInCr = false;
    for (const piece of pieces) {
      const end = base + piece.length;
      let lo = Math.max(from, base) - base;
      const hi = Math.min(to, end) - base;
      if (lo < hi) {
        if (endedInCr && lo === 0 && piece.charCodeAt(0) === LF) lo = 1;
        if (lo < hi) this.over(piece, lo, hi);
        endedInCr = hi === piece.length && piece.charCodeAt(hi - 1) === CR;
      }
      base = end;
      if (base >= to) break;
    }
  }

  /** Text of the same lines and columns that XML reads as whitespace. */
  blank(): string {
    return '\n'.repeat(this.lines) + ' '.repeat(this.column);
  }

  clear(): void {
    this.lines = this.column = 0;
  }
}

/** The first `length` characters of the text that `pieces` make together. */
function textBefore(pieces: readonly string[], length: number): string {
  const parts: string[] = [];
  let left = length;
  for (let k = 0; left > 0 && k < pieces.length; k++) {
    const piece = pieces[k]!;
    parts.push(piece.length <= left ? piece : piece.slice(0, left));
    left -= piece.length;
  }
  return parts.join('');
}

/**
 * Reads an XML payload written in chunks cut anywhere: a `RecordEnvelope`, whose children
 * are the records, or a lone record. Each record is emitted once its end tag is read, with
 * its own text sliced out of the input exactly as received.
 *
 * The quick scanner (FastXmlScanner) reads the document first. Where it gives up — XML it
 * does not read (comments, CDATA, a DOCTYPE…), a document that is not well-formed — the
 * saxes reader reads the document again from its start, and what it emits from then on
 * counts: the records the scanner emitted are not emitted again, and any error is saxes's
 * own. Past MAX_HELD_TEXT, the reader lets go of the records read so far and keeps only the
 * envelope's start tag and where saxes would be after them: should the scanner give up
 * later, saxes reads the start tag, whitespace of the same lines and columns in place of
 * those records, then the rest, so that its errors name the same line and column.
 */
export class XmlRecordReader {
  private readonly scanner = new FastXmlScanner({ maxDepth: MAX_DEPTH, maxElementsPerRecord: MAX_ELEMENTS_PER_RECORD });
  /** Made the first time the scanner gives up, then kept for the reader's later documents. */
  private saxes: SaxesRecordReader | undefined;
  /** Whether saxes reads the rest of the document. */
  private bySaxes = false;
  /** The document's chunks from stream position `heldStart` on (for saxes, should the scanner give up), and their length. */
  private held: string[] = [];
  private heldLength = 0;
  private heldStart = 0;
  /** The text the scanner is to read (from the end of the last record it read), and its stream position. */
  private text = '';
  private textStart = 0;
  /** Stream position just past the envelope's start tag, once read; the text up to there, once records after it are let go of. */
  private prefixEnd = -1;
  private prefix: string | undefined;
  /** Where saxes would be after the text let go of, from the prefix's end. */
  private readonly letGoOf = new Position();
  /** Index of the document's first item, and of the next one the scanner emits. */
  private firstIndex: number;
  private nextIndex: number;
  /** Items below this index were emitted by the scanner: saxes's are not passed on. */
  private emittedBelow = 0;

  /** `maxHeldText`: MAX_HELD_TEXT but in tests, which let go of records after a few characters. */
  constructor(private readonly emit: EmitItem, nextIndex = 0, private readonly maxHeldText = MAX_HELD_TEXT) {
    this.firstIndex = this.nextIndex = nextIndex;
  }

  /** Whether saxes reads (or read) the document: the scanner gave up on it. */
  get readBySaxes(): boolean {
    return this.bySaxes;
  }

  /** How many records and handshakes have been emitted so far. */
  get count(): number {
    return this.bySaxes ? this.saxes!.count : this.nextIndex;
  }

  /** Makes the reader ready for another document once end() returned. */
  restart(nextIndex: number): void {
    this.scanner.reset();
    this.bySaxes = false;
    this.forget();
    this.firstIndex = this.nextIndex = nextIndex;
  }

  write(chunk: string): void {
    if (this.bySaxes) return this.saxes!.write(chunk);
    this.held.push(chunk);
    this.heldLength += chunk.length;
    this.text = flatConcat(this.text, chunk);
    this.scan(false);
  }

  end(): void {
    if (!this.bySaxes) this.scan(true);
    // the document is no longer needed (a request holds its reader until it is answered)
    this.forget();
    if (this.bySaxes) this.saxes!.end();
  }

  private forget(): void {
    this.held = [];
    this.heldLength = this.heldStart = 0;
    this.text = '';
    this.textStart = 0;
    this.prefixEnd = -1;
    this.prefix = undefined;
    this.letGoOf.clear();
  }

  private scan(final: boolean): void {
    const scanner = this.scanner;
    const result = scanner.scan(this.text, final, this.onRecord);
    if (scanner.rootTagEnd >= 0) this.prefixEnd = this.textStart + scanner.rootTagEnd;
    // past the records read, given up or not (saxes goes on from there once records were let go of)
    const unread = scanner.unread(this.text);
    this.textStart += this.text.length - unread.length;
    this.text = unread;
    if (result === BAILED || this.text.length > MAX_RESCANNED_RECORD) return this.toSaxes();
    if (this.heldLength > this.maxHeldText) {
      if (scanner.inEnvelope) this.letGoOfRecordsRead();
      else this.toSaxes(); // a lone record, or an envelope's start tag, this long
    }
  }

  private readonly onRecord = (root: XmlElement, start: number, end: number): void => {
    this.emit(bundleItem(this.nextIndex++, root, this.text.slice(start, end), this.scanner.inherited));
  };

  /** Keeps of the text held only the prefix and what is not read yet; where saxes would be after the rest goes in letGoOf. */
  private letGoOfRecordsRead(): void {
    let from = 0;
    if (this.prefix === undefined) {
      from = this.prefixEnd - this.heldStart;
      this.prefix = textBefore(this.held, from);
    }
    this.letGoOf.overPieces(this.held, from, this.textStart - this.heldStart);
    this.held = [this.text];
    this.heldLength = this.text.length;
    this.heldStart = this.textStart;
  }

  /**
   * Hands the document to saxes: from its start, or once records were let go of, from the
   * prefix and blanks in their place; the items the scanner emitted are not emitted again.
   */
  private toSaxes(): void {
    const saxes = (this.saxes ??= new SaxesRecordReader((item) => {
      if (item.index >= this.emittedBelow) this.emit(item);
    }));
    this.emittedBelow = this.nextIndex;
    this.bySaxes = true;
    if (this.prefix === undefined) {
      const held = this.held;
      this.forget();
      saxes.restart(this.firstIndex);
      for (const chunk of held) saxes.write(chunk);
      return;
    }
    // let go of the records read since, too: what is held is then the text not read yet
    this.letGoOfRecordsRead();
    const start = this.prefix + this.letGoOf.blank();
    const rest = this.text;
    this.forget();
    saxes.restart(this.nextIndex);
    saxes.write(start);
    saxes.write(rest);
  }
}
