// The hooks into saxes (src/records/saxes-hooks.ts) change nothing the parser reports: a hooked
// parser and a plain one, fed the same generated document cut at the same places, report the
// same events, attributes, positions (line, column and column index too) and errors. The
// documents mix what the hooks read fast (ASCII names, whole attributes, text between tags)
// with everything that must go to saxes's own steps: chunk ends, line breaks (CR LF too, cut
// between chunks), tabs, entities, `]]>`, non-ASCII and astral characters, XML 1.1's NEL and
// LS, DEL and control characters, stray `<`, repeated attributes, attributes with no
// whitespace before them, `=` with spaces around it.
// Runs: SAXES_HOOKS_RUNS (default 400); FUZZ_SEED replays a run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import { forgetComments, type ListedAttribute, readAsciiRuns, readAttributes, readTextRuns, takeAttributes } from '../../src/records/saxes-hooks';
import { cutAt } from '../support/convert';

const RUNS = Number(process.env['SAXES_HOOKS_RUNS'] ?? 400);
const SEED = Number(process.env['FUZZ_SEED'] ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0);

/**
 * What a document is made of. The wild vocabulary holds every error either layer must report
 * alike; the clean one leaves those out (names saxes accepts, values and texts with no stray
 * `<`, `&` or `]]>`, no repeated attributes, no edit), so that about half the documents parse
 * to their end and the property is tried on both outcomes.
 */
interface Vocabulary {
  readonly names: readonly string[];
  readonly beforeAttribute: readonly string[];
  readonly valuePieces: readonly string[];
  readonly textPieces: readonly string[];
  readonly prologs: readonly string[];
  readonly afters: readonly string[];
  /** may an end tag name another element, may attributes repeat, may one edit land anywhere */
  readonly wild: boolean;
}

const SPACES = [' ', '\t', '\n', '\r\n', '\r', '  ', ' \t\n '];
const CLEAN: Vocabulary = {
  names: ['a', 'Tag', 'urwg:description', 'x.y-z_1', 'é', 'naïve', 'ns:中', '𝒳', 'A·B', 'RecordEnvelope'],
  beforeAttribute: [...SPACES, '\n\t\t'],
  valuePieces: ['plain', 'two words', 'a\tb', 'line\nbreak', 'cr\r\nlf', 'cr\ronly', '&amp;', '&#9;', '&#x41;', '&lt;', '>', 'é', '😀', "'", '"', '\u0085', '\u2028', ''],
  textPieces: ['text', ' ', '\n\t', '\n\t\t', 'PT1H2M3.0S', 'a > b', '\t', '&amp;', ']]', ']', '>', 'é', '😀', '\r\n', '\r', '<![CDATA[x]]>', '<!-- c -->', '<?pi x?>', '&#10;', '\u0085', '\u2028'],
  prologs: ['', '<?xml version="1.0"?>\n', '<?xml version="1.0" encoding="UTF-8"?>\r\n<!DOCTYPE r>\n'],
  afters: ['', '\n'],
  wild: false,
};
const WILD: Vocabulary = {
  names: [...CLEAN.names, 'a:b:c', ':x', 'x:'],
  /** none before an attribute: an error saxes reports after the value before it */
  beforeAttribute: [...CLEAN.beforeAttribute, ''],
  valuePieces: [...CLEAN.valuePieces, '&bogus;', '&', '<', '\u007f', '\u0001'],
  textPieces: [...CLEAN.textPieces, ']]>', '<!-- - -->', '\u007f'],
  prologs: [...CLEAN.prologs, '<?xml version="1.1"?>\n'],
  afters: [...CLEAN.afters, ' x'],
  wild: true,
};

function documentOf(v: Vocabulary): fc.Arbitrary<string> {
  const name = fc.constantFrom(...v.names);
  const attribute = fc.record({
    name,
    quote: fc.constantFrom('"', "'"),
    value: fc.array(fc.constantFrom(...v.valuePieces), { maxLength: 4 }).map((p) => p.join('')),
    before: fc.constantFrom(...v.beforeAttribute),
    around: fc.constantFrom('=', ' = ', '\t=\n'),
  });
  const attributes = v.wild
    ? fc.array(attribute, { maxLength: 4 })
    : fc.uniqueArray(attribute, { maxLength: 4, selector: (a) => a.name });
  const text = fc.array(fc.constantFrom(...v.textPieces), { maxLength: 3 }).map((p) => p.join(''));
  const element: fc.Arbitrary<string> = fc.letrec<{ el: string }>((tie) => ({
    el: fc.record({
      name,
      attrs: attributes.map((list) => list.map((a) => `${a.before}${a.name}${a.around}${a.quote}${a.value}${a.quote}`)),
      tail: fc.constantFrom('', ' ', '\n', '\t'),
      kids: fc.oneof({ weight: 2, arbitrary: fc.constant([] as string[]) }, fc.array(fc.oneof(text, tie('el')), { maxLength: 4 })),
      selfClosing: fc.boolean(),
      endName: v.wild ? fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, name) : fc.constant(undefined),
      endSpace: fc.constantFrom('', '', ' ', '\n', '\t', '\r\n'),
    }).map(({ name: n, attrs, tail, kids, selfClosing, endName, endSpace }) =>
      selfClosing && kids.length === 0
        ? `<${n}${attrs.join('')}${tail}/>`
        : `<${n}${attrs.join('')}${tail}>${kids.join('')}</${endName ?? n}${endSpace}>`),
  })).el;
  // one edit anywhere, sometimes: a character either layer treats specially
  const edit = v.wild
    ? fc.option(fc.record({ at: fc.nat(), insert: fc.constantFrom('<', '>', '"', "'", '&', '\t', '\n', '\r', '=', '/', ' ', 'é', '\u0000', ''), cut: fc.nat(2) }))
    : fc.constant(null);
  return fc.record({ prolog: fc.constantFrom(...v.prologs), root: element, after: fc.constantFrom(...v.afters), edit })
    .map(({ prolog, root, after, edit: e }) => {
      let doc = prolog + root + after;
      if (e) {
        const at = e.at % (doc.length + 1);
        doc = doc.slice(0, at) + e.insert + doc.slice(at + e.cut);
      }
      return doc;
    });
}

const documentArb = fc.oneof(documentOf(WILD), documentOf(CLEAN));

/** How many times readAsciiRuns's `leftToSaxes` was called, by the last hooked parser made by `report`. */
let leftToSaxes = 0;

/** What a parser reports of `chunks`, as lines; `hooked` sets the reader's hooks. */
function report(chunks: readonly string[], hooked: boolean): string[] {
  const p = new SaxesParser({ xmlns: false, position: true });
  const out: string[] = [];
  const at = (): string => `@${p.position} ${p.line}:${p.column} (${p.columnIndex})`;
  let listed: readonly ListedAttribute[] = [];
  if (hooked) {
    forgetComments(p);
    takeAttributes(p, (list) => {
      listed = list.map((a) => ({ ...a }));
    });
    leftToSaxes = 0;
    readAsciiRuns(p, () => leftToSaxes++);
    readTextRuns(p);
    readAttributes(p);
  }
  p.on('opentagstart', (tag) => out.push(`start ${tag.name} ${at()}`));
  p.on('attribute', (a) => out.push(`attribute ${JSON.stringify(a.name)}=${JSON.stringify(a.value)} ${at()}`));
  p.on('opentag', (tag) => {
    const attrs = hooked ? listed.map((a) => [a.name, a.value]) : Object.entries(tag.attributes);
    if (hooked) assert.deepEqual(Object.keys(tag.attributes), [], 'a hooked parser leaves the tag\'s own attributes empty');
    out.push(`open ${tag.name} ${JSON.stringify(attrs)} ${tag.isSelfClosing} ${at()}`);
  });
  p.on('text', (t) => out.push(`text ${JSON.stringify(t)} ${at()}`));
  p.on('cdata', (t) => out.push(`cdata ${JSON.stringify(t)} ${at()}`));
  p.on('closetag', (tag) => out.push(`close ${tag.name} ${at()}`));
  p.on('processinginstruction', (pi) => out.push(`pi ${pi.target} ${JSON.stringify(pi.body)} ${at()}`));
  p.on('doctype', (d) => out.push(`doctype ${JSON.stringify(d)} ${at()}`));
  try {
    for (const c of chunks) p.write(c);
    p.close();
    out.push(`end ${at()}`);
  } catch (e) {
    out.push(`error ${(e as Error).message} ${at()}`);
  }
  return out;
}

/**
 * Runs `body` with saxes's own steps `names` counted (set on its prototype, so that a parser
 * made in `body` has them in its state table and its hooks fall back to them).
 */
function countingOwnSteps(names: readonly string[], body: (calls: Record<string, number>) => void): void {
  const proto = SaxesParser.prototype as unknown as Record<string, (this: unknown) => unknown>;
  const calls: Record<string, number> = Object.fromEntries(names.map((k) => [k, 0]));
  const originals = names.map((k) => [k, proto[k]!] as const);
  for (const [k, f] of originals) {
    proto[k] = function (this: unknown) {
      calls[k]!++;
      return f.call(this);
    };
  }
  try {
    body(calls);
  } finally {
    for (const [k, f] of originals) proto[k] = f;
  }
}

test('a hooked parser reports exactly what a plain one does, however the document is cut', () => {
  console.log(`saxes-hooks: ${RUNS} runs, FUZZ_SEED=${SEED}`);
  let errors = 0;
  countingOwnSteps(['sAttribValueQuoted'], (calls) => {
    fc.assert(
      fc.property(documentArb, fc.array(fc.nat(), { maxLength: 12 }), (doc, at) => {
        // as an HTTP body may be cut: inside a CR LF or a surrogate pair too
        const chunks = cutAt(doc, at).filter((c) => c !== '');
        const plain = report(chunks, false);
        if (plain[plain.length - 1]!.startsWith('error')) errors++;
        calls['sAttribValueQuoted'] = 0;
        assert.deepEqual(report(chunks, true), plain);
        // the reader trusts a value saxes did not read itself to hold no tab or line break
        assert.equal(leftToSaxes, calls['sAttribValueQuoted'], 'leftToSaxes is called for each value saxes reads itself');
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
  // the generator reaches both outcomes (a property over only one of them would say little)
  console.log(`saxes-hooks: ${errors} of ${RUNS} documents failed to parse`);
  assert.ok(errors > RUNS / 5 && errors < RUNS * 0.8, `${errors} of ${RUNS} documents failed to parse`);
});

test('the fast steps are taken: plain ASCII names and values never go to saxes\'s own steps', () => {
  countingOwnSteps(['captureNameChars', 'sAttribValueQuoted'], (calls) => {
    const p = new SaxesParser({ xmlns: false, position: true });
    readAsciiRuns(p);
    p.write('<RecordEnvelope><JobUsageRecord urwg:recordId="a b" x=\'1\'><Status urwg:description="Exit">0</Status></JobUsageRecord>\n</RecordEnvelope>');
    p.close();
    assert.deepEqual(calls, { captureNameChars: 0, sAttribValueQuoted: 0 });
    // a name ending on a line break, and a value up to its entity: saxes's own steps (the
    // rest of the value, after the entity, is read fast again)
    const q = new SaxesParser({ xmlns: false, position: true });
    readAsciiRuns(q);
    q.write('<r\na="x&amp;y"/>');
    q.close();
    assert.deepEqual(calls, { captureNameChars: 1, sAttribValueQuoted: 1 });
  });
});

test('the fast steps are taken: plain text and attributes never go to saxes\'s own steps', () => {
  countingOwnSteps(['handleTextInRoot', 'sAttrib', 'sAttribValueClosed', 'sAttribName'], (calls) => {
    const p = new SaxesParser({ xmlns: false, position: true });
    readAsciiRuns(p);
    readTextRuns(p);
    readAttributes(p);
    const texts: string[] = [];
    p.on('text', (t) => texts.push(t));
    p.write('<JobUsageRecord xmlns:urwg="u"\n\turwg:x="1">\n<RecordIdentity urwg:recordId="a:1.2" urwg:createTime="2024-05-06T07:08:09Z"/>\n\t<Status urwg:description="Exit">0</Status>\n</JobUsageRecord>');
    p.close();
    assert.deepEqual(calls, { handleTextInRoot: 0, sAttrib: 0, sAttribValueClosed: 0, sAttribName: 0 });
    assert.deepEqual(texts, ['\n', '\n\t', '0', '\n']);
  });
});

test('repeated attributes fail as saxes says, for few and for many attributes', () => {
  const many = Array.from({ length: 40 }, (_, k) => ` a${k}="${k}"`).join('');
  for (const tag of ['<r a="1" b="2" a="3"/>', `<r${many} a7="x"/>`, '<r xmlns:u="1" xmlns:u="2"/>']) {
    assert.deepEqual(report([tag], true), report([tag], false));
    assert.match(report([tag], true).at(-1)!, /^error .*duplicate attribute: (a|a7|xmlns:u)\./);
  }
});
