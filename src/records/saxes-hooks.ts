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
  column: number;
  /** The name being read, and the text (or value) gathered so far. */
  name: string;
  text: string;
  /** The quote of the attribute value being read. */
  q: number | null;
  attribList: ListedAttribute[];
  processAttribs: () => void;
  pushAttrib: (name: string, value: string) => void;
  captureNameChars: () => number;
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

/** The index in the parser's state table of saxes's step `name`; throws if it has none. */
function stateOf(internals: Internals, name: string, hook: string): number {
  const at = internals.stateTable.indexOf(PROTO[name] as (this: Internals) => void);
  if (at < 0) throw new Error(`saxes has no ${name} state in its state table: see ${hook}`);
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
