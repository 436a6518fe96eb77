// The quick way through a Gratia document: one pass of charCodeAt over the text, building the
// records' trees as it goes, for the XML that probes write (an XML declaration, elements,
// attributes, text, the five named references and character references). Anything else, or
// anything that is not well-formed, makes it give up ("bail") rather than decide: the saxes
// reader then reads the whole document again and has the last word, errors included. So it
// only ever accepts what saxes accepts, and reads it as the saxes reader does:
// test/unit/fast-xml-scanner.test.ts holds the two side by side on generated documents.
import { hashStep, NameTable } from './name-table';
import { appendChild, isNamespaceDeclaration, NO_ATTRIBUTES, NO_CHILDREN, type XmlElement } from './xml-element';

/** What `scan` found. */
export const SCANNED = 0;
/** The text ends inside something: scanning resumes from the last record's end with more. */
export const NEEDS_MORE = 1;
/** Something the scanner does not read: the saxes reader must read the document. */
export const BAILED = 2;
export type ScanResult = typeof SCANNED | typeof NEEDS_MORE | typeof BAILED;

/** Receives each record's tree and where its text begins and ends. */
export type OnRecord = (root: XmlElement, start: number, end: number) => void;

export interface ScanLimits {
  /** Elements nested deeper than this: the saxes reader's error. */
  readonly maxDepth: number;
  /** Elements in one record past this: the saxes reader's error. */
  readonly maxElementsPerRecord: number;
}

/** Attributes in one start tag past which saxes reads it (Gratia tags hold a few). */
const MAX_ATTRIBUTES = 64;

const NAMES = new NameTable();

/** A position's stand-in for "the text ended here" (more may come) and "give up". */
const END = -1;
const BAIL = -2;

const TAB = 0x09, LF = 0x0a, CR = 0x0d, SPACE = 0x20;
const BANG = 0x21, DQUOTE = 0x22, HASH = 0x23, AMP = 0x26, SQUOTE = 0x27, SLASH = 0x2f;
const LT = 0x3c, EQ = 0x3d, GT = 0x3e, QUESTION = 0x3f, RBRACKET = 0x5d;

/** ASCII that may begin a name, 1; ASCII that may be in one, 1 or 2; others 0. */
const NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  NAME[c] = /[A-Za-z:_]/.test(ch) ? 1 : /[0-9.-]/.test(ch) ? 2 : 0;
}

/** ASCII text characters read as themselves (not `&`, `<`, `]`, CR, other controls): 1. */
const PLAIN = new Uint8Array(128);
for (let c = 0; c < 128; c++) PLAIN[c] = c === TAB || c === LF || (c >= SPACE && c !== AMP && c !== LT && c !== RBRACKET) ? 1 : 0;

/** ASCII of attribute values read as themselves: printable, not `&` or `<` (quotes apart). */
const VALUE = new Uint8Array(128);
for (let c = 0; c < 128; c++) VALUE[c] = c >= SPACE && c !== AMP && c !== LT ? 1 : 0;

const isSpace = (c: number): boolean => c === SPACE || c === LF || c === TAB || c === CR;

/** Whether `c` (not ASCII) at `i` is an XML 1.0 character: the position after it, END (a pair cut by the text's end) or BAIL. */
function pastWide(t: string, i: number, c: number): number {
  if (c < 0xd800 || (c >= 0xe000 && c <= 0xfffd)) return i + 1;
  if (c <= 0xdbff) {
    if (i + 1 >= t.length) return END;
    const low = t.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return i + 2;
  }
  return BAIL;
}

/** `<?xml version="1.0" …?>` as saxes takes it, pseudo-attributes a space apart. */
const XML_DECLARATION = /^<\?xml version=(["'])1\.0\1(?: encoding=(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?: standalone=(["'])(?:yes|no)\3)? ?\?>/;
/** Longest declaration the pattern takes, with room: past this, no `?>` means none. */
const LONGEST_DECLARATION = 200;

/**
 * Scans one document, a `RecordEnvelope` or a lone record, handed over as the text read so
 * far: again with more text after NEEDS_MORE (from the last record's end), until SCANNED or
 * BAILED. Records are handed to `onRecord` as their end tags are read.
 */
export class FastXmlScanner {
  /** Where scanning starts next: the document's start, or just past the last record. */
  private resume = 0;
  /** 1 once the root's start tag is read (records are its children), 0 for a lone record, -1 before. */
  private recordDepth = -1;
  private rootName = '';
  /** The envelope's namespace declarations, which its records inherit. */
  inherited: Record<string, string> = {};
  /** Where the envelope's start tag ended, in the text of the scan that read it; -1 after any other scan. */
  rootTagEnd = -1;

  // the record being read
  private readonly names: string[] = [];
  private readonly open: XmlElement[] = [];
  private t = '';
  /** The text of the reference `reference` read last. */
  private referenced = '';
  /** The names of the start tag's attributes read so far (to refuse a repeated one). */
  private readonly seenNames: string[] = new Array<string>(MAX_ATTRIBUTES).fill('');
  /** How many attributes the last start tag read set (namespace declarations apart). */
  private attributesSet = 0;
  /** The names read (shared by every scanner: records name the same things), and the slot of the last one. */
  private readonly table = NAMES;
  private slot = 0;

  constructor(private readonly limits: ScanLimits) {}

  /** Whether the document is an envelope whose start tag was read: what is not read yet is records, text between them, its end tag and what follows. */
  get inEnvelope(): boolean {
    return this.recordDepth === 1;
  }

  /** Forgets the document, for another one. */
  reset(): void {
    this.resume = 0;
    this.recordDepth = -1;
    this.rootName = '';
    this.inherited = {};
  }

  /**
   * The part of `text`, as last scanned, not read yet (from the last record's end): what
   * the next scan is to be given, with the text that follows it.
   */
  unread(text: string): string {
    const from = this.resume;
    this.resume = 0;
    return from === 0 ? text : text.slice(from);
  }

  /** Scans `text` (what `unread` left and the text since; `final`: no more comes) from where it left off. */
  scan(text: string, final: boolean, onRecord: OnRecord): ScanResult {
    this.t = text;
    this.rootTagEnd = -1;
    try {
      const result = this.scanFrom(final, onRecord);
      return result === END ? (final ? BAILED : NEEDS_MORE) : result === BAIL ? BAILED : SCANNED;
    } finally {
      this.t = '';
      this.names.length = 0;
      this.open.length = 0;
    }
  }

  private scanFrom(final: boolean, onRecord: OnRecord): number {
    const t = this.t;
    let i = this.resume;
    if (this.recordDepth < 0) {
      const root = this.prolog();
      if (root < 0) return root;
      if (this.recordDepth < 0) {
        // a lone record: it is the root
        const end = this.element(root, 0);
        if (end < 0) return end;
        this.emit(onRecord, root, end);
        this.recordDepth = 0;
        i = this.resume = end;
      } else {
        i = this.resume = this.rootTagEnd = root;
      }
    }
    // the envelope's children, then its end tag and what follows
    while (this.recordDepth === 1) {
      const lt = this.outside(i, false);
      if (lt < 0) return lt;
      if (t.charCodeAt(lt + 1) === SLASH) {
        // not stepped past: scanned again with what follows (so that the text not read yet
        // always holds it, for saxes should the scanner give up on what follows)
        const end = this.endTag(lt, this.rootName);
        if (end < 0) return end;
        i = end;
        break;
      }
      const end = this.element(lt, 1);
      if (end < 0) return end;
      this.emit(onRecord, lt, end);
      i = this.resume = end;
    }
    // only whitespace may follow the root
    for (; i < t.length; i++) if (!isSpace(t.charCodeAt(i))) return BAIL;
    return final ? 0 : END;
  }

  private emit(onRecord: OnRecord, start: number, end: number): void {
    const root = this.open[0]!;
    this.open.length = 0;
    onRecord(root, start, end);
  }

  /**
   * Reads the declaration, whitespace and the root's start tag: for an envelope, the
   * position past that tag (recordDepth then 1); for a lone record, its `<`.
   */
  private prolog(): number {
    const t = this.t;
    let i = 0;
    if (t.startsWith('<?')) {
      const close = t.indexOf('?>');
      if (close < 0) return t.length > LONGEST_DECLARATION ? BAIL : END;
      const m = XML_DECLARATION.exec(t);
      if (m === null || m[0].length !== close + 2) return BAIL;
      i = close + 2;
    }
    i = this.outside(i, true);
    if (i < 0) return i;
    const nameEnd = this.name(i + 1);
    if (nameEnd < 0) return nameEnd;
    if (this.table.localName(this.slot) !== 'RecordEnvelope') return i;
    const name = this.table.qualifiedName(this.slot);
    const attrs: Record<string, string> = {};
    const end = this.attributes(nameEnd, attrs, true);
    if (end < 0) return end;
    if (t.charCodeAt(end - 2) === SLASH) return BAIL; // an empty envelope: saxes says what it holds
    for (const key in attrs) if (isNamespaceDeclaration(key)) this.inherited[key] = attrs[key]!;
    this.rootName = name;
    this.recordDepth = 1;
    return end;
  }

  /**
   * Steps over text outside a record (before the root, whitespace only; inside the
   * envelope, any) to the next tag's `<`, which must open an element or end one.
   */
  private outside(from: number, beforeRoot: boolean): number {
    const t = this.t;
    const n = t.length;
    let i = from;
    while (i < n) {
      const c = t.charCodeAt(i);
      if (c === LT) {
        const next = t.charCodeAt(i + 1);
        if (i + 1 >= n) return END;
        if (next === BANG || next === QUESTION || (beforeRoot && next === SLASH)) return BAIL;
        return i;
      }
      if (beforeRoot) {
        if (!isSpace(c)) return BAIL;
        i++;
        continue;
      }
      i = this.textChar(i, c);
      if (i < 0) return i;
    }
    return END;
  }

  /** Steps over one text character at `i` (`c`), checked: the position after it (a reference whole), END or BAIL. */
  private textChar(i: number, c: number): number {
    if (c < 128) {
      if (PLAIN[c] === 1) return i + 1;
      if (c === AMP) return this.reference(i);
      if (c === CR) return i + 1;
      if (c === RBRACKET) return this.t.startsWith(']]>', i) ? BAIL : i + 1;
      return BAIL;
    }
    return pastWide(this.t, i, c);
  }

  /** Reads the reference whose `&` is at `amp`: the position past its `;` (its text in `referenced`), END or BAIL. */
  private reference(amp: number): number {
    const t = this.t;
    const semi = t.indexOf(';', amp);
    // the longest reference read, `&#x10FFFF;`, is 10 characters: no `;` and more than that is none
    if (semi < 0) return t.length - amp > 12 ? BAIL : END;
    const text = referenceText(t, amp, semi);
    if (text === undefined) return BAIL;
    this.referenced = text;
    return semi + 1;
  }

  /** Reads a name from `from`: the position past it (its slot in `slot`), END or BAIL. */
  private name(from: number): number {
    const t = this.t;
    const n = t.length;
    let c = t.charCodeAt(from);
    if (from >= n) return END;
    if (c >= 128 || NAME[c] !== 1) return BAIL;
    let hash = c;
    let i = from + 1;
    while (i < n && (c = t.charCodeAt(i)) < 128 && NAME[c] !== 0) {
      hash = hashStep(hash, c);
      i++;
    }
    if (i >= n) return END;
    if (c >= 128) return BAIL;
    this.slot = this.table.slot(t, from, i, hash);
    return i;
  }

  /**
   * Reads a start tag's attributes from just past its name into `attrs` (by qualified name
   * if `qualified`, else by local name without namespace declarations): the position past
   * its `>`, END or BAIL.
   */
  private attributes(from: number, attrs: Record<string, string>, qualified: boolean): number {
    const t = this.t;
    const n = t.length;
    let i = from;
    const seen = this.seenNames;
    let count = 0;
    this.attributesSet = 0;
    for (;;) {
      let c = t.charCodeAt(i);
      const spaced = isSpace(c);
      while (i < n && isSpace(c)) c = t.charCodeAt(++i);
      if (i >= n) return END;
      if (c === GT) return i + 1;
      if (c === SLASH) {
        if (i + 1 >= n) return END;
        return t.charCodeAt(i + 1) === GT ? i + 2 : BAIL;
      }
      if (!spaced) return BAIL;
      const nameEnd = this.name(i);
      if (nameEnd < 0) return nameEnd;
      if (nameEnd + 1 >= n) return END;
      const q = t.charCodeAt(nameEnd + 1);
      if (t.charCodeAt(nameEnd) !== EQ || (q !== DQUOTE && q !== SQUOTE)) return BAIL;
      // a slot's name may be replaced by a later one: the strings are taken now
      const slot = this.slot;
      const name = this.table.qualifiedName(slot);
      const local = this.table.declaresNamespace(slot) ? undefined : this.table.localName(slot);
      // the value: plain characters sliced, references decoded; tabs and line breaks left to saxes
      let j = nameEnd + 2;
      let value = '';
      let piece = j;
      for (;;) {
        if (j >= n) return END;
        c = t.charCodeAt(j);
        if (c === q) break;
        if (c < 128) {
          if (VALUE[c] === 1) {
            j++;
            continue;
          }
          if (c !== AMP) return BAIL;
          const past = this.reference(j);
          if (past < 0) return past;
          value += t.slice(piece, j) + this.referenced;
          j = piece = past;
          continue;
        }
        j = pastWide(t, j, c);
        if (j < 0) return j;
      }
      value = piece === nameEnd + 2 ? t.slice(piece, j) : value + t.slice(piece, j);
      i = j + 1;
      // saxes refuses a repeated name; local names may repeat (the last one kept, as the reader does)
      for (let k = 0; k < count; k++) if (seen[k] === name) return BAIL;
      if (count === seen.length) return BAIL; // more attributes than a record's tag holds: saxes reads them
      seen[count++] = name;
      if (qualified) {
        attrs[name] = value;
      } else if (local !== undefined) {
        attrs[local] = value;
        this.attributesSet++;
      }
    }
  }

  /** Reads `</name>` at `lt`: the position past it, END or BAIL. */
  private endTag(lt: number, name: string): number {
    const t = this.t;
    const n = t.length;
    const at = lt + 2;
    const length = name.length;
    if (at + length >= n) return END;
    if (!t.startsWith(name, at)) return BAIL;
    let i = at + length;
    let c = t.charCodeAt(i);
    while (i < n && isSpace(c)) c = t.charCodeAt(++i);
    if (i >= n) return END;
    return c === GT ? i + 1 : BAIL;
  }

  /**
   * Reads the element whose `<` is at `lt`, at `depth` (0 or 1), and all it holds, as a
   * record: its tree ends up as `open[0]`. The position past its end, END or BAIL.
   */
  private element(lt: number, depth: number): number {
    const t = this.t;
    const n = t.length;
    const { maxDepth, maxElementsPerRecord } = this.limits;
    const names = this.names;
    const open = this.open;
    names.length = 0;
    open.length = 0;
    let elements = 0;
    let i = lt;
    // at a `<` that opens an element (i), or in text
    for (;;) {
      // a start tag at i
      const nameEnd = this.name(i + 1);
      if (nameEnd < 0) return nameEnd;
      // a slot's name may be replaced by one of the attributes': the strings are taken now
      const qualifiedName = this.table.qualifiedName(this.slot);
      const name = this.table.localName(this.slot);
      let attrs = NO_ATTRIBUTES;
      let c = t.charCodeAt(nameEnd);
      let end: number;
      if (c === GT) {
        end = nameEnd + 1;
      } else {
        attrs = {};
        end = this.attributes(nameEnd, attrs, false);
        if (end < 0) return end;
        if (this.attributesSet === 0) attrs = NO_ATTRIBUTES;
      }
      if (depth + open.length >= maxDepth || ++elements > maxElementsPerRecord) return BAIL;
      const el: XmlElement = { name, attrs, text: '', children: NO_CHILDREN };
      if (open.length > 0) appendChild(open[open.length - 1]!, el);
      i = end;
      if (t.charCodeAt(end - 2) !== SLASH) {
        open.push(el);
        names.push(qualifiedName);
      } else if (open.length === 0) {
        open.push(el);
        return end;
      }
      // text, then the next tag: another start tag (again from the top), or end tags
      for (;;) {
        // text is kept inside a record's children only (the record's own, no rule maps)
        const keep = open.length >= 2;
        let text = '';
        let piece = i;
        for (;;) {
          if (i >= n) return END;
          c = t.charCodeAt(i);
          if (c < 128) {
            if (PLAIN[c] === 1) {
              i++;
              continue;
            }
            if (c === LT) break;
            if (c === AMP) {
              const past = this.reference(i);
              if (past < 0) return past;
              if (keep) text += t.slice(piece, i) + this.referenced;
              i = piece = past;
              continue;
            }
            if (c === CR) {
              // a line break, CR LF or CR alone, reads as LF
              if (keep) text += t.slice(piece, i) + '\n';
              i = piece = t.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
              continue;
            }
          }
          // `]` (not of `]]>`), any other character checked: a `]]>` cut by the text's end is
          // found when the record is scanned again with more
          i = this.textChar(i, c);
          if (i < 0) return i;
        }
        if (keep) {
          if (i > piece) text = text === '' ? t.slice(piece, i) : text + t.slice(piece, i);
          if (text !== '') {
            const owner = open[open.length - 1]!;
            owner.text = owner.text === '' ? text : owner.text + text;
          }
        }
        // the tag at i
        if (i + 1 >= n) return END;
        c = t.charCodeAt(i + 1);
        if (c !== SLASH) {
          if (c === BANG || c === QUESTION) return BAIL;
          break; // a start tag
        }
        const closing = names.pop()!;
        i = this.endTag(i, closing);
        if (i < 0) return i;
        if (open.length === 1) return i; // the record's own end: its tree stays as open[0]
        open.pop();
      }
    }
  }
}

/**
 * The text of the reference `&…;` at [amp, semi]: a named one of XML's five or a
 * character reference to an XML 1.0 character; undefined for anything else.
 */
export function referenceText(t: string, amp: number, semi: number): string | undefined {
  const length = semi - amp - 1;
  const c = t.charCodeAt(amp + 1);
  if (c === HASH) {
    const hex = t.charCodeAt(amp + 2) === 0x78; // x
    const from = amp + (hex ? 3 : 2);
    if (semi - from < 1 || semi - from > 6) return undefined;
    let v = 0;
    for (let k = from; k < semi; k++) {
      const d = t.charCodeAt(k);
      let digit: number;
      if (d >= 0x30 && d <= 0x39) digit = d - 0x30;
      else if (hex && d >= 0x61 && d <= 0x66) digit = d - 0x57;
      else if (hex && d >= 0x41 && d <= 0x46) digit = d - 0x37;
      else return undefined;
      v = v * (hex ? 16 : 10) + digit;
    }
    const ok = v === TAB || v === LF || v === CR || (v >= SPACE && v <= 0xd7ff) || (v >= 0xe000 && v <= 0xfffd) || (v >= 0x10000 && v <= 0x10ffff);
    return ok ? String.fromCodePoint(v) : undefined;
  }
  switch (length) {
    case 2:
      if (t.charCodeAt(amp + 2) !== 0x74) return undefined; // t
      return c === 0x6c ? '<' : c === 0x67 ? '>' : undefined; // lt, gt
    case 3:
      return t.startsWith('amp;', amp + 1) ? '&' : undefined;
    case 4:
      return t.startsWith('quot;', amp + 1) ? '"' : t.startsWith('apos;', amp + 1) ? "'" : undefined;
    default:
      return undefined;
  }
}
