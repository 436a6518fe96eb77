// Where the XML reader reaches into the saxes parser's own state, each for a cost measured on
// the records probes send. Every hook checks, when it is set, that saxes still has what it
// replaces, and throws if not; test/unit/saxes-hooks.test.ts compares a hooked parser with a
// plain one on generated documents cut into chunks anywhere.
import { SaxesParser } from 'saxes';

/** saxes's own fields and steps that the hooks read or replace (all of one parser). */
interface Internals {
  stateTable: ((this: Internals) => void)[];
  /** The text gathered so far. */
  text: string;
  attribList: ListedAttribute[];
  processAttribs: () => void;
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
