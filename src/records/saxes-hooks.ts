// Where the XML reader reaches into the saxes parser's own state, each for a cost measured on
// the records probes send. Every hook checks, when it is set, that saxes still has what it
// replaces, and throws if not; test/unit/saxes-hooks.test.ts compares a hooked parser with a
// plain one on generated documents cut into chunks anywhere.
import { SaxesParser } from 'saxes';

/** saxes's own fields and steps that the hooks read or replace (all of one parser). */
interface Internals {
  stateTable: ((this: Internals) => void)[];
  state: number;
  /** The chunk being read, the index of the next character in it, and of the last one read. */
  chunk: string;
  i: number;
  prevI: number;
  /** Where the chunk begins in the stream. */
  chunkPosition: number;
  line: number;
  column: number;
  /** Stream position just past the last line break read. */
  positionAtNewLine: number;
  /** The elements open, innermost last. */
  tags: unknown[];
  /** How far text has gone towards a `]]>` (saxes's FORBIDDEN_… states). */
  forbiddenState: number;
  textHandler: ((text: string) => void) | undefined;
  /** The name being read, and the text (or value) gathered so far. */
  name: string;
  text: string;
  /** The quote of the attribute value being read. */
  q: number | null;
  attribList: ListedAttribute[];
  processAttribs: () => void;
  pushAttrib: (name: string, value: string) => void;
  captureNameChars: () => number;
  /** saxes's own ends of a start tag (`>`, `/>`). */
  openTag: () => void;
  openSelfClosingTag: () => void;
}

/** An attribute as saxes lists it while it reads a start tag. */
export interface ListedAttribute {
  readonly name: string;
  readonly value: string;
}

const PROTO = SaxesParser.prototype as unknown as Record<string, unknown>;

function internalsOf(parser: SaxesParser): Internals {
  return parser as unknown as Internals;
}

/** A state table as saxes makes it, no hook in it: where each step's state number is looked up. */
let ownSteps: readonly unknown[] | undefined;

/** The number of saxes's state whose step is `name`; throws if it has none. */
function stateOf(internals: Internals, name: string, hook: string): number {
  // made again if saxes's steps were replaced since (as the tests count them)
  if (ownSteps === undefined || !ownSteps.includes(PROTO[name])) ownSteps = internalsOf(new SaxesParser()).stateTable;
  const at = ownSteps.indexOf(PROTO[name]);
  if (at < 0 || ownSteps.length !== internals.stateTable.length) throw new Error(`saxes has no ${name} state in its state table: see ${hook}`);
  return at;
}

function expect(ok: boolean, what: string, hook: string): void {
  if (!ok) throw new Error(`saxes no longer ${what}: see ${hook}`);
}

/**
 * Makes the parser forget a comment's text as it reads it. saxes gathers every comment whole
 * (a piece for each `-`), even with no comment handler, which the reader has none of: a 60 MB
 * comment of `-x` pairs took 6.8 s and 1.8 GB.
 */
export function forgetComments(parser: SaxesParser): void {
  const internals = internalsOf(parser);
  for (const name of ['sComment', 'sCommentEnding', 'sCommentEnded']) {
    const at = stateOf(internals, name, 'forgetComments');
    const read = internals.stateTable[at]!;
    internals.stateTable[at] = function (this: Internals) {
      read.call(this);
      this.text = '';
    };
  }
}

/** Past this many attributes in one start tag, duplicates are looked up in a set rather than by comparing each pair. */
const FEW_ATTRIBUTES = 8;

/** The first attribute named like an earlier one of the same start tag, if any. */
function duplicateIn(list: readonly ListedAttribute[]): string | undefined {
  if (list.length <= FEW_ATTRIBUTES) {
    for (let i = 1; i < list.length; i++) {
      const name = list[i]!.name;
      for (let j = 0; j < i; j++) if (list[j]!.name === name) return name;
    }
    return undefined;
  }
  const seen = new Set<string>();
  for (const { name } of list) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/**
 * Hands each start tag's attributes, in document order, to `read`, in place of the parser's
 * own step that files them into the tag's `attributes` (left empty): saxes builds that
 * object, a dictionary, for every tag whether or not anyone reads it, and reading it back
 * cost as much again. The parser's check for a repeated attribute is kept, with its message.
 * `read` runs where saxes filed them, just before the `opentag` event.
 */
export function takeAttributes(parser: SaxesParser, read: (list: readonly ListedAttribute[]) => void): void {
  const internals = internalsOf(parser);
  const hook = 'takeAttributes';
  expect(PROTO['processAttribsPlain'] !== undefined && internals.processAttribs === PROTO['processAttribsPlain'], 'files attributes with processAttribsPlain', hook);
  expect(Array.isArray(internals.attribList), 'lists attributes in attribList', hook);
  internals.processAttribs = () => {
    const list = internals.attribList;
    if (list.length === 0) return read(list);
    const duplicate = duplicateIn(list);
    if (duplicate !== undefined) parser.fail(`duplicate attribute: ${duplicate}.`);
    internals.attribList = [];
    read(list);
  };
}

/** ASCII characters that may be in an XML name (XML 1.0 and 1.1 agree on these): 1, others 0. */
const ASCII_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_NAME[c] = /[A-Za-z0-9:_.-]/.test(String.fromCharCode(c)) ? 1 : 0;

const TAB = 0x09;
const SPACE = 0x20;
/** DEL: the first code past printable ASCII (XML 1.1 disallows it where 1.0 does not). */
const DEL = 0x7f;
const AMP = 0x26;
const LESS = 0x3c;

/**
 * Reads the names of tags and attributes, and quoted attribute values, a run of plain
 * printable ASCII at a time, where saxes reads a character at a time (its `getCode`, which
 * also tracks lines and checks each character). The fast step covers only a run that ends,
 * within the chunk, on a printable ASCII character or a tab (for a name) or on the closing
 * quote (for a value), and then leaves the parser as saxes's own step would, column included;
 * anything else (the chunk's end, a line break, an entity, non-ASCII) goes to saxes's own step
 * from where it began, untouched. Names and values are some 30 % of a record's characters
 * and cost the parser more than their share.
 *
 * `leftToSaxes` is called each time a quoted value (or the rest of one) goes to saxes's own
 * step: the only one that turns a tab or line break in a value into a space.
 */
export function readAsciiRuns(parser: SaxesParser, leftToSaxes: () => void = () => {}): void {
  const internals = internalsOf(parser);
  const hook = 'readAsciiRuns';
  expect(typeof internals.chunk === 'string' && typeof internals.name === 'string' && typeof internals.text === 'string', 'keeps chunk, name and text as strings', hook);
  expect(typeof internals.i === 'number' && typeof internals.prevI === 'number' && typeof internals.column === 'number', 'keeps i, prevI and column as numbers', hook);
  expect(typeof PROTO['captureNameChars'] === 'function' && !Object.hasOwn(internals, 'captureNameChars'), 'reads names with captureNameChars', hook);
  expect(typeof internals.pushAttrib === 'function' && internals.q === null, 'reads values with pushAttrib and q', hook);

  const captureName = PROTO['captureNameChars'] as (this: Internals) => number;
  internals.captureNameChars = function (this: Internals): number {
    const { chunk, i: start } = this;
    let i = start;
    let c = 0;
    while (i < chunk.length && (c = chunk.charCodeAt(i)) < DEL && ASCII_NAME[c] === 1) i++;
    if (i >= chunk.length || c >= DEL || (c < SPACE && c !== TAB)) return captureName.call(this);
    // as saxes ends a name: the character after it read (and returned), the name kept
    this.name += chunk.slice(start, i);
    this.prevI = i;
    this.i = i + 1;
    this.column += i - start + 1;
    return c;
  };

  const quoted = stateOf(internals, 'sAttribValueQuoted', hook);
  const closed = stateOf(internals, 'sAttribValueClosed', hook);
  const readQuoted = internals.stateTable[quoted]!;
  internals.stateTable[quoted] = function (this: Internals): void {
    const { chunk, q, i: start } = this;
    let i = start;
    let c = 0;
    while (i < chunk.length && (c = chunk.charCodeAt(i)) >= SPACE && c < DEL && c !== q && c !== AMP && c !== LESS) i++;
    if (i >= chunk.length || c !== q) {
      leftToSaxes();
      return readQuoted.call(this);
    }
    // as saxes ends a quoted value: the quote read, the attribute listed
    this.prevI = i;
    this.i = i + 1;
    this.column += i - start + 1;
    this.pushAttrib(this.name, this.text + chunk.slice(start, i));
    this.name = this.text = '';
    this.q = null;
    this.state = closed;
  };
}

const NL = 0x0a;
const CLOSE_BRACKET = 0x5d;

/** Moves the parser's position to `read` (the next character to read), the characters from its own position read as saxes's getCode reads them: `lines` line feeds, the last of them just before `lineStart`. */
function advance(p: Internals, read: number, lines: number, lineStart: number): void {
  if (lines === 0) {
    p.column += read - p.i;
  } else {
    p.line += lines;
    p.column = read - lineStart;
    p.positionAtNewLine = p.chunkPosition + lineStart;
  }
  p.prevI = read - 1;
  p.i = read;
}

/** Characters of text in the root element that saxes's text step only steps over: 1, others 0. */
const PLAIN_TEXT = new Uint8Array(128);
for (let c = 0; c < 128; c++) PLAIN_TEXT[c] = c === TAB || (c >= SPACE && c < DEL && c !== AMP && c !== LESS && c !== CLOSE_BRACKET) ? 1 : 0;

/**
 * Reads text inside the root element a run of plain characters at a time (printable ASCII
 * but `&`, `<` and `]`, tabs and line feeds), where saxes reads it a character at a time
 * (its getCode, ~700 calls a modern record): the whitespace between tags and the short
 * values in records are some 40 % of their characters. Measured (bench/split, A/B): some
 * 5 % of splitting modern envelopes; on the other loads too little to show. A run that ends on `<` ends as saxes's own step would (the text handed to
 * the text handler, if one is set, and the parser left at the `<`, line and column
 * included); anything else (the chunk's end, `&`, `]`, a CR, non-ASCII, a control
 * character) goes to saxes's own step from that character, with the text read so far
 * gathered as saxes gathers it. A `]` goes to saxes, which alone tracks a `]]>`.
 */
export function readTextRuns(parser: SaxesParser): void {
  const internals = internalsOf(parser);
  const hook = 'readTextRuns';
  expect(Array.isArray(internals.tags) && internals.tags.length === 0, 'keeps the open elements in tags', hook);
  expect(typeof internals.chunkPosition === 'number' && typeof internals.line === 'number' && typeof internals.positionAtNewLine === 'number', 'keeps chunkPosition, line and positionAtNewLine as numbers', hook);
  expect(typeof internals.forbiddenState === 'number', 'keeps forbiddenState as a number', hook);
  expect(typeof PROTO['handleTextInRoot'] === 'function', 'reads text in the root with handleTextInRoot', hook);
  // the parser is new: its `]]>` tracking is at its start
  const NOTHING_FORBIDDEN = internals.forbiddenState;
  const at = stateOf(internals, 'sText', hook);
  const openWaka = stateOf(internals, 'sOpenWaka', hook);
  const readText = internals.stateTable[at]!;
  internals.stateTable[at] = function (this: Internals): void {
    if (this.tags.length === 0 || this.forbiddenState !== NOTHING_FORBIDDEN) return readText.call(this);
    const { chunk, i: start, textHandler: handler } = this;
    let i = start;
    let c = 0;
    /** Index just past the run's last line feed, or -1. */
    let lineStart = -1;
    let lines = 0;
    for (; i < chunk.length; i++) {
      c = chunk.charCodeAt(i);
      if (c < DEL && PLAIN_TEXT[c] === 1) continue;
      if (c !== NL) break;
      lines++;
      lineStart = i + 1;
    }
    const ended = i < chunk.length && c === LESS;
    // as saxes's getCode leaves the parser having read [start, i), and the `<` if it ended on one
    const read = ended ? i + 1 : i;
    if (read === start) return readText.call(this);
    advance(this, read, lines, lineStart);
    if (!ended) {
      if (handler !== undefined) this.text += chunk.slice(start, i);
      return readText.call(this);
    }
    this.state = openWaka;
    if (handler !== undefined) {
      const text = this.text;
      const slice = chunk.slice(start, i);
      if (text.length !== 0) {
        handler(text + slice);
        this.text = '';
      } else if (slice.length !== 0) {
        handler(slice);
      }
    }
  };
}

/** ASCII characters that may begin an XML name: 1, others 0. */
const ASCII_NAME_START = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_NAME_START[c] = /[A-Za-z:_]/.test(String.fromCharCode(c)) ? 1 : 0;

const GREATER = 0x3e;
const SLASH = 0x2f;
const EQUAL = 0x3d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

/**
 * Reads a start tag's attributes, `name="value"` after whitespace, and the tag's end (`>`
 * or `/>`) at once, where saxes reads each a character at a time through five steps (its
 * whitespace, name, `=`, value and what follows the value): each attribute is listed with
 * saxes's own pushAttrib, and the tag ended with its own openTag or openSelfClosingTag,
 * the parser's position, line and column where saxes's would be then. Only plain ones:
 * whitespace of spaces, tabs and line feeds, an ASCII name, `=` right after it, and a
 * quoted value of printable ASCII but `&` and `<`, wholly in the chunk; at anything else
 * the rest of the tag goes to saxes's own steps, from the start of that attribute (or from
 * just after the last value read, as saxes's step that reads what follows a value). A
 * modern record's 36 attributes took 180 steps; measured (bench/split, A/B): 5–10 % of
 * splitting, on modern and sample records, envelopes and replication bundles alike.
 */
export function readAttributes(parser: SaxesParser): void {
  const internals = internalsOf(parser);
  const hook = 'readAttributes';
  for (const own of ['openTag', 'openSelfClosingTag', 'pushAttrib'] as const) {
    expect(typeof internals[own] === 'function', `has ${own}`, hook);
  }
  expect(internals.q === null, 'keeps the quote of a value in q', hook);
  const attrib = stateOf(internals, 'sAttrib', hook);
  const closed = stateOf(internals, 'sAttribValueClosed', hook);
  const readAttrib = internals.stateTable[attrib]!;
  internals.stateTable[attrib] = function (this: Internals): void {
    const { chunk } = this;
    const end = chunk.length;
    let j = this.i;
    for (;;) {
      // whitespace, then the attribute's name
      let lines = 0;
      let lineStart = -1;
      let c = 0;
      for (; j < end; j++) {
        c = chunk.charCodeAt(j);
        if (c === SPACE || c === TAB) continue;
        if (c !== NL) break;
        lines++;
        lineStart = j + 1;
      }
      if (j >= end) return readAttrib.call(this);
      if (c === GREATER) {
        advance(this, j + 1, lines, lineStart);
        return this.openTag();
      }
      if (c === SLASH && chunk.charCodeAt(j + 1) === GREATER) {
        advance(this, j + 2, lines, lineStart);
        return this.openSelfClosingTag();
      }
      if (c >= DEL || ASCII_NAME_START[c] !== 1) return readAttrib.call(this);
      const nameStart = j;
      while (++j < end && (c = chunk.charCodeAt(j)) < DEL && ASCII_NAME[c] === 1);
      const q = chunk.charCodeAt(j + 1);
      if (j + 1 >= end || c !== EQUAL || (q !== DQUOTE && q !== SQUOTE)) return readAttrib.call(this);
      const nameEnd = j;
      // the value, up to its closing quote
      j += 2;
      const valueStart = j;
      while (j < end && (c = chunk.charCodeAt(j)) >= SPACE && c < DEL && c !== q && c !== AMP && c !== LESS) j++;
      if (j >= end || c !== q) return readAttrib.call(this);
      // as saxes lists it: having read the closing quote, the name and quote still kept
      advance(this, j + 1, lines, lineStart);
      this.name += chunk.slice(nameStart, nameEnd);
      this.q = q;
      this.pushAttrib(this.name, this.text + chunk.slice(valueStart, j));
      this.name = this.text = '';
      this.q = null;
      // what follows the value: whitespace (another attribute, or the end), or the tag's end
      c = chunk.charCodeAt(++j);
      if (c === SPACE || c === TAB || c === NL) {
        advance(this, j + 1, c === NL ? 1 : 0, j + 1);
        j++;
        continue;
      }
      if (c === GREATER) {
        advance(this, j + 1, 0, 0);
        return this.openTag();
      }
      if (c === SLASH && chunk.charCodeAt(j + 1) === GREATER) {
        advance(this, j + 2, 0, 0);
        return this.openSelfClosingTag();
      }
      this.state = closed;
      return;
    }
  };
}
