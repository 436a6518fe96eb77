import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { type BundleItem, bundleItem } from './bundle-item';
import { rawAttributes } from './raw-attributes';
import { RecordError } from './record-error';
import { forgetComments, type ListedAttribute, readAsciiRuns, readAttributes, readTextRuns, takeAttributes } from './saxes-hooks';
import { TextWindow } from './text-window';
import { appendChild, child, isNamespaceDeclaration, localName, NO_ATTRIBUTES, NO_CHILDREN, type XmlElement } from './xml-element';

const WHITESPACE_TO_NORMALISE = /[\t\n\r]/g;

/** A character that cannot be in a tag name: once one follows a `<`, the parser has reported that tag's start (or it is no tag). */
const ENDS_TAG_NAME = /[\s>/="'!?<]/g;

/** How saxes's message for text (or CDATA) before or after the root element ends. */
const TEXT_OUTSIDE_ROOT = 'text data outside of root node.';

/** Elements nested deeper than this in a bundle make it invalid (Gratia records are a few levels deep). */
export const MAX_DEPTH = 64;
/** Elements in one record past this make it invalid (Gratia records hold well under a hundred). */
export const MAX_ELEMENTS_PER_RECORD = 10_000;

/** Attributes by local name, without namespace declarations. */
function localAttributes(given: Record<string, string>): Record<string, string> {
  let attrs = NO_ATTRIBUTES;
  for (const name in given) {
    if (isNamespaceDeclaration(name)) continue;
    if (attrs === NO_ATTRIBUTES) attrs = {};
    attrs[localName(name)] = given[name]!;
  }
  return attrs;
}

// The parser turns tabs and line breaks in attribute values into spaces, as XML says; the
// mapping keeps them. Where a start tag's own text, text[from, end), holds one inside a
// value, its attributes are read again. (Records' root tags have line breaks between
// their attributes.)
function hasLineBreakOrTabInValue(text: string, from: number, end: number): boolean {
  WHITESPACE_TO_NORMALISE.lastIndex = from;
  const m = WHITESPACE_TO_NORMALISE.exec(text);
  if (m === null || m.index >= end) return false;
  // In a start tag only values are quoted, and only by the quote that opened them.
  let quote = 0;
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (quote === 0) {
      if (c === 0x22 || c === 0x27) quote = c;
    } else if (c === quote) {
      quote = 0;
    } else if (c === 0x09 || c === 0x0a || c === 0x0d) {
      return true;
    }
  }
  return false;
}

/** Where saxes keeps the text handler that `on('text', …)` sets (checked when the reader is made). */
interface TextHandlerField {
  textHandler: ((text: string) => void) | undefined;
}

/** Receives split records and handshakes, in document order. */
export type EmitItem = (item: BundleItem) => void;

/**
 * Reads an XML payload written in chunks cut anywhere, with saxes: a `RecordEnvelope`, whose
 * children are the records, or a lone record. Each record is emitted as soon as its end tag
 * is read, with its own text sliced out of the input exactly as received. (XmlRecordReader
 * reads most documents more quickly, and hands this one what it does not read.)
 */
export class SaxesRecordReader {
  private readonly parser = new SaxesParser({ xmlns: false, position: true });
  /** The input text a record or a start tag may still need: trimmed after every chunk. */
  private readonly window = new TextWindow();
  /** Stream position of a `<` whose start tag the parser may not have reported yet, or -1. */
  private pendingTag = -1;
  /** Elements of the record being read so far. */
  private elements = 0;
  private depth = 0;
  /** 1 for an envelope's children, 0 for a lone record; -1 until the root is read. */
  private recordDepth = -1;
  private recordStart = -1;
  private readonly open: XmlElement[] = [];
  private inherited: Record<string, string> = {};
  private rootSeen = false;
  /** Stream position at the last `opentagstart`, to find that start tag's text. */
  private tagNamePosition = 0;
  /** The attributes of the start tag just read, by local name, without namespace declarations. */
  private tagAttributes = NO_ATTRIBUTES;
  /** Whether the parser itself read part of a value of the start tag being read (see readAsciiRuns). */
  private valueLeftToParser = false;
  /** Whether one of the start tag's values holds a space that may have been a tab or line break. */
  private tagMayBeNormalised = false;

  constructor(private readonly emit: EmitItem, private nextIndex = 0) {
    const p = this.parser;
    p.on('text', this.textListener);
    if ((p as unknown as TextHandlerField).textHandler !== this.textListener) throw new Error('saxes keeps its text handler elsewhere: see listenToText');
    p.off('text');
    forgetComments(p);
    p.on('doctype', (doctype) => {
      // Entity declarations are how expansion bombs and external entities get in.
      if (/<!ENTITY/i.test(doctype)) throw new RecordError('a DOCTYPE that declares entities is not accepted');
    });
    p.on('opentagstart', (tag) => this.onOpenTagStart(tag.name));
    takeAttributes(p, (list) => this.onAttributes(list));
    readAsciiRuns(p, () => {
      this.valueLeftToParser = true;
    });
    readTextRuns(p);
    readAttributes(p);
    p.on('opentag', (tag) => this.onOpenTag(tag));
    p.on('cdata', (text) => this.onText(text));
    p.on('closetag', () => this.onCloseTag());
  }

  /** How many records and handshakes have been emitted so far. */
  get count(): number {
    return this.nextIndex;
  }

  /** Makes the reader ready for another document once end() returned (the parser resets itself then). */
  restart(nextIndex: number): void {
    this.window.clear();
    this.pendingTag = -1;
    this.depth = 0;
    this.recordDepth = -1;
    this.recordStart = -1;
    this.open.length = 0;
    this.listenToText(false);
    this.inherited = {};
    this.rootSeen = false;
    this.nextIndex = nextIndex;
  }

  write(chunk: string): void {
    const chunkStart = this.window.end;
    this.window.append(chunk);
    this.guard(() => this.parser.write(chunk));
    this.notePendingTag(chunk, chunkStart);
    this.trim();
  }

  end(): void {
    this.guard(() => this.parser.close());
    if (!this.rootSeen) throw new RecordError('the bundle holds no XML element');
  }

  private onOpenTagStart(name: string): void {
    this.tagNamePosition = this.parser.position;
    this.valueLeftToParser = false;
    if (this.depth === 0) {
      this.rootSeen = true;
      this.recordDepth = localName(name) === 'RecordEnvelope' ? 1 : 0;
    }
    if (this.depth === this.recordDepth) {
      this.recordStart = this.window.lastIndexOf('<', this.parser.position);
      this.elements = 0;
    }
  }

  private onAttributes(list: readonly ListedAttribute[]): void {
    let attrs = NO_ATTRIBUTES;
    let space = false;
    // an envelope's namespace declarations, which its records inherit
    const envelope = this.depth === 0 && this.recordDepth === 1;
    for (const { name, value } of list) {
      if (isNamespaceDeclaration(name)) {
        if (envelope) this.inherited[name] = value;
        continue;
      }
      if (attrs === NO_ATTRIBUTES) attrs = {};
      attrs[localName(name)] = value;
      if (!space && value.includes(' ')) space = true;
    }
    this.tagAttributes = attrs;
    this.tagMayBeNormalised = space && this.valueLeftToParser;
  }

  private onOpenTag(tag: SaxesTagPlain): void {
    const depth = this.depth++;
    if (depth >= MAX_DEPTH) throw new RecordError(`elements nested more than ${MAX_DEPTH} deep`);
    if (depth < this.recordDepth || this.recordStart < 0) return;
    if (++this.elements > MAX_ELEMENTS_PER_RECORD) throw new RecordError(`a record holds more than ${MAX_ELEMENTS_PER_RECORD} elements`);
    const el: XmlElement = { name: localName(tag.name), attrs: this.attributesOfTag(), text: '', children: NO_CHILDREN };
    const parent = this.open[this.open.length - 1];
    if (parent !== undefined) appendChild(parent, el);
    if (this.open.push(el) === 2) this.listenToText(true);
  }

  /**
   * Text is listened to only inside a record's children, the only text the mapping reads:
   * while a handler is set, the parser gathers text (a piece a line), so whitespace or text
   * between records, or in a record's root, would be held as a long chain of pieces.
   */
  private listenToText(on: boolean): void {
    // saxes's own field, which on()/off() set through a table lookup: set directly, as this
    // runs twice for each element of each record (on()/off() cost the record path 5%).
    (this.parser as unknown as TextHandlerField).textHandler = on ? this.textListener : undefined;
  }

  private readonly textListener = (text: string): void => this.onText(text);

  private onText(text: string): void {
    // The record's root holds only the whitespace between its children, which no rule
    // maps: not joined up (some 40 pieces a record).
    if (this.open.length < 2) return;
    this.open[this.open.length - 1]!.text += text;
  }

  private onCloseTag(): void {
    this.depth--;
    if (this.recordStart < 0) return;
    const el = this.open.pop()!;
    if (this.open.length === 1) this.listenToText(false);
    if (this.depth !== this.recordDepth) return;
    const end = this.parser.position;
    this.emit(bundleItem(this.nextIndex++, el, this.window.slice(this.recordStart, end), this.inherited));
    this.recordStart = -1;
  }

  /** The element's attributes by local name, namespace declarations left out. */
  private attributesOfTag(): Record<string, string> {
    const attrs = this.tagAttributes;
    // Normalisation leaves a space where there was a tab or line break: only a value with a
    // space, in a tag some value of which the parser read itself (the fast steps take only
    // printable ASCII), sends us back to the start tag's own text.
    if (!this.tagMayBeNormalised) return attrs;
    // the start tag's own text: from its `<` to where the parser is
    const text = this.window.slice(this.window.lastIndexOf('<', this.tagNamePosition), this.parser.position);
    return hasLineBreakOrTabInValue(text, 0, text.length) ? localAttributes(rawAttributes(text)) : attrs;
  }

  /**
   * Notes the chunk's last `<` if the parser may not have reported its start tag yet (the
   * chunk ends inside the tag's name), or forgets an earlier one whose name has ended. Only
   * the chunk is searched, so a long run between records is read once.
   */
  private notePendingTag(chunk: string, chunkStart: number): void {
    const lt = chunk.lastIndexOf('<');
    if (lt >= 0) this.pendingTag = chunkStart + lt;
    if (this.pendingTag < 0) return;
    ENDS_TAG_NAME.lastIndex = lt + 1;
    const ended = ENDS_TAG_NAME.exec(chunk);
    // saxes keeps a chunk's last CR for the next chunk (it may begin a CR LF): a name ended
    // by it has not been reported yet
    const carried = ended !== null && ended.index === chunk.length - 1 && chunk.charCodeAt(ended.index) === 0x0d;
    if (ended !== null && !carried) this.pendingTag = -1;
  }

  /** Drops input no record can still need: all of it outside a record but a start tag whose name is cut. */
  private trim(): void {
    this.window.dropBefore(this.recordStart >= 0 ? this.recordStart : this.pendingTag >= 0 ? this.pendingTag : this.window.end);
  }

  /**
   * The parser's message, but for text outside the root element: saxes reports that where
   * it noticed it, at the end of the text or of the chunk, whichever came first, so its
   * position would depend on where the body was cut. It is named by where it is instead.
   */
  private describe(message: string): string {
    if (!message.endsWith(TEXT_OUTSIDE_ROOT)) return message;
    return `text ${this.rootSeen ? 'after' : 'before'} the root element`;
  }

  /** Turns a parser error into a RecordError that names the record being read. */
  private guard(step: () => void): void {
    try {
      step();
    } catch (e) {
      if (e instanceof RecordError) throw e;
      const reason = `malformed XML: ${this.describe((e as Error).message)}`;
      if (this.recordStart < 0 && this.open.length === 0) throw new RecordError(reason);
      const root = this.open[0];
      const id = root && (child(root, 'RecordIdentity')?.attrs['recordId'] || child(root, 'UniqueID')?.text);
      throw RecordError.at(this.nextIndex, id || undefined, reason);
    }
  }
}
