import type { BundleItem } from './bundle-item';
import { BAILED, FastXmlScanner } from './fast-xml-scanner';
import { MAX_DEPTH, MAX_ELEMENTS_PER_RECORD, SaxesRecordReader } from './saxes-record-reader';
import type { XmlElement } from './xml-element';

export { MAX_DEPTH, MAX_ELEMENTS_PER_RECORD } from './saxes-record-reader';

/** Receives split records and handshakes, in document order. */
export type EmitItem = (item: BundleItem) => void;

/**
 * The most text of one document the quick scanner holds (it keeps the document from its
 * start, for saxes to read again should it give up): past this, saxes reads the rest, and
 * the text is dropped as records are read. A gathered request body (4 MiB at most) stays
 * under it; a large file given to `convert` goes past it.
 */
export const MAX_SCANNED_TEXT = 4 * 1024 * 1024;
/**
 * The most text of one record the scanner reads again as chunks arrive (it begins the
 * record again with each): a record cut into many chunks past this goes to saxes. Gratia
 * records are a few kB.
 */
export const MAX_RESCANNED_RECORD = 256 * 1024;

/**
 * Reads an XML payload written in chunks cut anywhere: a `RecordEnvelope`, whose children
 * are the records, or a lone record. Each record is emitted once its end tag is read, with
 * its own text sliced out of the input exactly as received.
 *
 * The quick scanner (FastXmlScanner) reads the document first. Where it gives up — XML it
 * does not read (comments, CDATA, a DOCTYPE…), a document that is not well-formed, one
 * past MAX_SCANNED_TEXT — the saxes reader reads the document again from its start, and
 * what it emits from then on counts: the records the scanner emitted are not emitted
 * again, and any error is saxes's own.
 */
export class XmlRecordReader {
  private readonly scanner = new FastXmlScanner({ maxDepth: MAX_DEPTH, maxElementsPerRecord: MAX_ELEMENTS_PER_RECORD });
  /** Made the first time the scanner gives up, then kept for the reader's later documents. */
  private saxes: SaxesRecordReader | undefined;
  /** Whether saxes reads the rest of the document. */
  private bySaxes = false;
  /** The document's chunks so far, while the scanner reads it (for saxes, should it give up), and their length. */
  private held: string[] = [];
  private heldLength = 0;
  /** The text the scanner is to read: from the end of the last record it read. */
  private text = '';
  /** Index of the document's first item, and of the next one the scanner emits. */
  private firstIndex: number;
  private nextIndex: number;
  /** Items below this index were emitted by the scanner: saxes's are not passed on. */
  private emittedBelow = 0;

  constructor(private readonly emit: EmitItem, nextIndex = 0) {
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
    this.held = [];
    this.heldLength = 0;
    this.text = '';
    this.firstIndex = this.nextIndex = nextIndex;
  }

  write(chunk: string): void {
    if (this.bySaxes) return this.saxes!.write(chunk);
    this.held.push(chunk);
    this.heldLength += chunk.length;
    if (this.heldLength > MAX_SCANNED_TEXT) return this.toSaxes();
    this.text = this.text === '' ? chunk : this.text + chunk;
    this.scan(false);
  }

  end(): void {
    if (!this.bySaxes) this.scan(true);
    // the document is no longer needed (a request holds its reader until it is answered)
    this.held = [];
    this.heldLength = 0;
    this.text = '';
    if (this.bySaxes) this.saxes!.end();
  }

  private scan(final: boolean): void {
    if (this.scanner.scan(this.text, final, this.onRecord) === BAILED) return this.toSaxes();
    this.text = this.scanner.unread(this.text);
    if (this.text.length > MAX_RESCANNED_RECORD) this.toSaxes();
  }

  private readonly onRecord = (root: XmlElement, start: number, end: number): void => {
    const index = this.nextIndex++;
    if (root.name === 'ProbeDetails') this.emit({ kind: 'handshake', index });
    else this.emit({ kind: 'record', index, root, raw: this.text.slice(start, end), inheritedNamespaces: this.scanner.inherited });
  };

  /** Hands the document to saxes, from its start; the items the scanner emitted are not emitted again. */
  private toSaxes(): void {
    const saxes = (this.saxes ??= new SaxesRecordReader((item) => {
      if (item.index >= this.emittedBelow) this.emit(item);
    }));
    this.emittedBelow = this.nextIndex;
    this.bySaxes = true;
    const held = this.held;
    this.held = [];
    this.heldLength = 0;
    this.text = '';
    saxes.restart(this.firstIndex);
    for (const chunk of held) saxes.write(chunk);
  }
}
