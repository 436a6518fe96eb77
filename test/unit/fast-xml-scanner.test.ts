// The quick scanner (src/records/fast-xml-scanner.ts) changes nothing the reader emits: the
// reader (the scanner, saxes where it gives up) and the saxes reader alone, fed the same
// generated document cut at the same places, emit the same items (trees, raw text, inherited
// namespaces) and fail with the same error. The documents are mostly the plain XML the
// scanner reads itself, with, here and there, what it leaves to saxes: comments, CDATA,
// processing instructions, a DOCTYPE, references it does not know, tabs and line breaks in
// values, `]]>`, characters XML forbids, mismatched tags, text outside the root. (No lone
// surrogates: the text is decoded from checked UTF-8, and saxes's errors for them depend on
// the cuts.)
// Runs: FAST_XML_RUNS (default 600); FUZZ_SEED replays a run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { BundleItem } from '../../src/records/bundle-item';
import { SaxesRecordReader } from '../../src/records/saxes-record-reader';
import { MAX_DEPTH, MAX_HELD_TEXT, XmlRecordReader } from '../../src/records/xml-record-reader';
import { cutAt } from '../support/convert';

const RUNS = Number(process.env['FAST_XML_RUNS'] ?? 600);
const SEED = Number(process.env['FUZZ_SEED'] ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0);

/** A piece that is mostly plain, now and then one of `odd`. */
const mostly = (plain: readonly string[], odd: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 40, arbitrary: fc.constantFrom(...plain) }, { weight: 1, arbitrary: fc.constantFrom(...odd) });

const NAME = mostly(['Status', 'urwg:Status', 'JobName', 'urwg:JobName', 'Resource', 'TimeDuration', 'x.y-z_1', 'a:b:c', ':x'],
  ['é', 'ns:中', 'a b', '1a', '', 'x>']);
const ATTRIBUTE_NAME = mostly(['urwg:description', 'description', 'urwg:type', 'type', 'xmlns:urwg', 'xmlns', 'a', 'b:a', 'x'],
  ['é', '1x', '']);
const VALUE_PIECE = mostly(['plain', 'two words', '2024-05-06T07:08:09Z', '&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&#65;', '&#x4A;', 'é', '😀', '>', ''],
  ["'", '"', 'a\tb', 'line\nbreak', 'cr\r\nlf', '&bogus;', '&', '<', '&#0;', '&#xD800;', '\u0001', '\ufffe', '\u0085', '&#X41;']);
const TEXT_PIECE = mostly(['text', ' ', '\n', '\n\t', 'PT1H2M3.0S', 'a > b', '&amp;', '&#10;', '&#13;', 'é', '😀', ']', ']]', '\r\n', '\r', '\t'],
  [']]>', '<![CDATA[x]]>', '<!-- c -->', '<?pi x?>', '&nope;', '&', '\u0000', '\u000b', '\uffff', '<', '&#x110000;']);
const SPACE = mostly([' ', '\n', '\n\t', '\r\n'], ['', '\t\r', '  ']);

const attributeParts = fc.record({
  name: ATTRIBUTE_NAME,
  quote: fc.constantFrom('"', "'"),
  value: fc.array(VALUE_PIECE, { maxLength: 3 }).map((p) => p.join('')),
  before: SPACE,
  around: mostly(['='], [' = ', '=\n']),
});
/** A start tag's attributes, their names mostly distinct. */
const attributes = fc.oneof(
  { weight: 20, arbitrary: fc.uniqueArray(attributeParts, { maxLength: 3, selector: (a) => a.name }) },
  { weight: 1, arbitrary: fc.array(attributeParts, { maxLength: 3 }) },
).map((list) => list.map(({ name, quote, value, before, around }) => `${before}${name}${around}${quote}${value}${quote}`));

const text = fc.array(TEXT_PIECE, { maxLength: 3 }).map((p) => p.join(''));

const element: fc.Arbitrary<string> = fc.letrec<{ el: string }>((tie) => ({
  el: fc.record({
    name: NAME,
    attrs: attributes,
    tail: mostly(['', '', ' '], ['\n', '\t']),
    kids: fc.oneof({ weight: 2, arbitrary: fc.constant([] as string[]) }, fc.array(fc.oneof(text, tie('el')), { maxLength: 4 })),
    selfClosing: fc.boolean(),
    endName: fc.oneof({ weight: 30, arbitrary: fc.constant(undefined) }, NAME),
    endSpace: mostly([''], [' ', '\n']),
  }).map(({ name, attrs, tail, kids, selfClosing, endName, endSpace }) =>
    selfClosing && kids.length === 0 ? `<${name}${attrs.join('')}${tail}/>` : `<${name}${attrs.join('')}${tail}>${kids.join('')}</${endName ?? name}${endSpace}>`),
})).el;

/** A record: a root of a record's kind, holding generated elements. */
const record = fc.record({
  name: mostly(['JobUsageRecord', 'urwg:JobUsageRecord', 'StorageElementRecord', 'ProbeDetails'], ['Usage', 'é']),
  attrs: attributes,
  kids: fc.array(fc.oneof({ weight: 4, arbitrary: element }, text), { maxLength: 5 }),
}).map(({ name, attrs, kids }) => `<${name}${attrs.join('')}>${kids.join('')}</${name}>`);

const PROLOG = mostly(['', '<?xml version="1.0" encoding="UTF-8"?>\n', "<?xml version='1.0'?>", '<?xml version="1.0" encoding="utf-8" standalone="yes"?>\r\n'],
  ['<?xml version="1.1"?>\n', '<?xml  version="1.0"?>', '\ufeff', ' <?xml version="1.0"?>', '<!DOCTYPE r>\n', '<!-- c -->', '<?pi?>', '<?xml version="1.0" encoding="9"?>']);

const documentArb = fc.record({
  prolog: PROLOG,
  envelope: fc.boolean(),
  envelopeAttrs: attributes,
  records: fc.array(record, { minLength: 1, maxLength: 4 }),
  between: fc.array(mostly(['\n', '', ' '], ['x', '&amp;', '<!-- c -->', ']]>']), { minLength: 5, maxLength: 5 }),
  after: mostly(['', '\n', '\r\n'], [' x', '<!-- c -->', '<x/>']),
}).map(({ prolog, envelope, envelopeAttrs, records, between, after }) => {
  if (!envelope) return prolog + records[0]! + after;
  const body = records.map((r, k) => between[k]! + r).join('') + between[4]!;
  return `${prolog}<RecordEnvelope${envelopeAttrs.join('')}>${body}</RecordEnvelope>${after}`;
});

interface Reader {
  write(chunk: string): void;
  end(): void;
}

/** What a reader emits of `chunks` (items as JSON lines), then `end` or its error. */
function emitted(make: (emit: (item: BundleItem) => void) => Reader, chunks: readonly string[]): string[] {
  const out: string[] = [];
  const reader = make((item) => out.push(JSON.stringify(item)));
  try {
    for (const c of chunks) reader.write(c);
    reader.end();
    out.push('end');
  } catch (e) {
    out.push(`error ${(e as Error).constructor.name} ${(e as Error).message}`);
  }
  return out;
}

test('the reader emits exactly what the saxes reader does, however the document is cut', () => {
  console.log(`fast-xml-scanner: ${RUNS} runs, FUZZ_SEED=${SEED}`);
  let errors = 0;
  let scanned = 0;
  fc.assert(
    fc.property(documentArb, fc.array(fc.nat(), { maxLength: 8 }), (doc, at) => {
      const chunks = cutAt(doc, at).filter((c) => c !== '');
      const bySaxes = emitted((emit) => new SaxesRecordReader(emit), chunks);
      let reader: XmlRecordReader | undefined;
      const both = emitted((emit) => (reader = new XmlRecordReader(emit)), chunks);
      assert.deepEqual(both, bySaxes);
      // letting go of the records read after a few characters changes nothing either
      assert.deepEqual(emitted((emit) => new XmlRecordReader(emit, 0, 1), chunks), bySaxes);
      // and the saxes reader's own answer does not depend on the cuts (a chunk ending in a CR
      // just after a record's name once lost that record)
      assert.deepEqual(bySaxes, emitted((emit) => new SaxesRecordReader(emit), [doc]));
      if (bySaxes.at(-1) !== 'end') errors++;
      if (!reader!.readBySaxes) scanned++;
    }),
    { numRuns: RUNS, seed: SEED },
  );
  console.log(`fast-xml-scanner: ${scanned} read by the scanner, ${errors} failed`);
  // the generator reaches all three outcomes: read by the scanner, by saxes, and an error
  assert.ok(scanned > RUNS / 10, `the scanner read ${scanned} of ${RUNS} documents itself`);
  assert.ok(errors > RUNS / 20 && errors < RUNS * 0.9, `${errors} of ${RUNS} documents failed`);
});

/** A modern-looking record, plain enough for the scanner. */
const plainRecord = (k: number): string =>
  `<JobUsageRecord xmlns="http://www.gridforum.org/2003/ur-wg" xmlns:urwg="http://www.gridforum.org/2003/ur-wg">\n`
  + `<RecordIdentity urwg:recordId="r-${k}" urwg:createTime="2024-05-06T07:08:09Z"/>\n`
  + `\t<JobIdentity><GlobalJobId>id&amp;${k}</GlobalJobId></JobIdentity>\n`
  + `\t<Status urwg:description="exit status">0</Status>\r\n<WallDuration>PT1H</WallDuration></JobUsageRecord>`;

test('plain records are read by the scanner alone, in one chunk or many', () => {
  const doc = `<?xml version="1.0" encoding="UTF-8"?>\n<RecordEnvelope xmlns:urwg="u">\n${Array.from({ length: 50 }, (_, k) => plainRecord(k)).join('\n')}\n</RecordEnvelope>\n`;
  for (const chunks of [[doc], cutAt(doc, Array.from({ length: 40 }, (_, k) => k * 97))]) {
    let reader: XmlRecordReader | undefined;
    const both = emitted((emit) => (reader = new XmlRecordReader(emit)), chunks);
    assert.equal(reader!.readBySaxes, false);
    assert.equal(reader!.count, 50);
    assert.deepEqual(both, emitted((emit) => new SaxesRecordReader(emit), chunks));
  }
});

test('a record after the scanner gave up is read by saxes; those before it are emitted once', () => {
  const records = Array.from({ length: 6 }, (_, k) => (k === 4 ? plainRecord(k).replace('<WallDuration>', '<!-- c --><WallDuration>') : plainRecord(k)));
  const doc = `<RecordEnvelope>${records.join('')}</RecordEnvelope>`;
  const chunks = cutAt(doc, [records[0]!.length * 2 + 20, records[0]!.length * 5]);
  let reader: XmlRecordReader | undefined;
  const both = emitted((emit) => (reader = new XmlRecordReader(emit)), chunks);
  assert.equal(reader!.readBySaxes, true);
  assert.equal(both.length, 7);
  assert.deepEqual(both.map((line) => (line === 'end' ? line : (JSON.parse(line) as { index: number }).index)), [0, 1, 2, 3, 4, 5, 'end']);
  assert.deepEqual(both, emitted((emit) => new SaxesRecordReader(emit), chunks));
});

/** An envelope of `count` plain records past MAX_HELD_TEXT, CR LF, lone CR and astral characters among them, cut at `cuts` into 64 kB chunks; `last` the last record. */
function longEnvelope(last: string): { doc: string; cuts: number[]; chunks: string[]; count: number } {
  const one = plainRecord(0);
  const count = Math.ceil((MAX_HELD_TEXT * 2.5) / one.length);
  const records = Array.from({ length: count }, (_, k) => plainRecord(k).replace('id&amp;', k % 3 === 0 ? 'id😀\r' : 'id&amp;'));
  records[count - 1] = last;
  const doc = `<?xml version="1.0"?>\n<RecordEnvelope xmlns:urwg="u"\r\n>${records.join(' ')}</RecordEnvelope>`;
  const cuts = Array.from({ length: Math.ceil(doc.length / 65536) }, (_, k) => k * 65536);
  return { doc, cuts, chunks: cutAt(doc, cuts), count };
}

test('a document longer than MAX_HELD_TEXT is read by the scanner, the records read let go of', () => {
  const { chunks, count } = longEnvelope(plainRecord(-1));
  const indices: number[] = [];
  let held = 0;
  const reader = new XmlRecordReader((item) => indices.push(item.index));
  for (const c of chunks) {
    reader.write(c);
    held = Math.max(held, (reader as unknown as { heldLength: number }).heldLength);
  }
  reader.end();
  assert.equal(reader.readBySaxes, false);
  assert.equal(indices.length, count);
  assert.ok(indices.every((v, k) => v === k));
  assert.ok(held <= MAX_HELD_TEXT + 2 * 65536, `held ${held} characters`);
});

test('past MAX_HELD_TEXT, saxes reads what the scanner does not: the same items, the same error, line and column', () => {
  const late = [
    plainRecord(-2).replace('<WallDuration>', '<!-- a comment --><WallDuration>'),
    plainRecord(-3).replace('</Status>', '</Stat>'),
    plainRecord(-4).replace('PT1H', 'PT1H😀&bad;'),
  ];
  for (const last of late) {
    const { doc, cuts, chunks } = longEnvelope(last);
    // also cut inside every CR LF: the text let go of, piece by piece, has them between pieces
    const crlfCuts = [...doc.matchAll(/\r\n/g)].map((m) => m.index + 1);
    for (const cut of [chunks, cutAt(doc, [...crlfCuts, ...cuts].sort((a, b) => a - b))]) {
      let reader: XmlRecordReader | undefined;
      const both = emitted((emit) => (reader = new XmlRecordReader(emit)), cut);
      assert.equal(reader!.readBySaxes, true);
      const bySaxes = emitted((emit) => new SaxesRecordReader(emit), cut);
      assert.equal(both.length, bySaxes.length);
      assert.equal(both.at(-1), bySaxes.at(-1));
      assert.deepEqual(both, bySaxes);
    }
  }
});

test('limits are saxes\'s: nesting past MAX_DEPTH fails as the saxes reader says', () => {
  const deep = `<JobUsageRecord>${'<a>'.repeat(MAX_DEPTH)}${'</a>'.repeat(MAX_DEPTH)}</JobUsageRecord>`;
  const both = emitted((emit) => new XmlRecordReader(emit), [deep]);
  assert.match(both.at(-1)!, /nested more than 64 deep/);
  assert.deepEqual(both, emitted((emit) => new SaxesRecordReader(emit), [deep]));
});

test('more distinct names than the name table holds read the same, repeated attributes refused', () => {
  const elements = Array.from({ length: 3000 }, (_, k) => `<e${k} a${k % 7}="${k}" b${k}="x"/>`).join('');
  const doc = `<RecordEnvelope><JobUsageRecord>${elements}</JobUsageRecord><JobUsageRecord><x a="1" b="2" a="3"/></JobUsageRecord></RecordEnvelope>`;
  const both = emitted((emit) => new XmlRecordReader(emit), [doc]);
  assert.match(both.at(-1)!, /duplicate attribute: a\./);
  assert.deepEqual(both, emitted((emit) => new SaxesRecordReader(emit), [doc]));
  const fine = doc.replace(' a="3"', '');
  const read = emitted((emit) => new XmlRecordReader(emit), [fine]);
  assert.equal(read.at(-1), 'end');
  assert.deepEqual(read, emitted((emit) => new SaxesRecordReader(emit), [fine]));
});

test('a chunk ending in a CR just after a record\'s name loses no record, by either reader', () => {
  const doc = '<RecordEnvelope>\n<JobUsageRecord\r\nurwg:x="1"><Status>0</Status></JobUsageRecord>\n<ProbeDetails\r\n/></RecordEnvelope>';
  for (const cut of [doc.indexOf('\r') + 1, doc.lastIndexOf('\r') + 1]) {
    const chunks = [doc.slice(0, cut), doc.slice(cut)];
    for (const make of [(emit: (item: BundleItem) => void) => new SaxesRecordReader(emit), (emit: (item: BundleItem) => void) => new XmlRecordReader(emit)]) {
      const out = emitted(make, chunks);
      assert.equal(out.length, 3, out.join('\n'));
      assert.deepEqual(out, emitted(make, [doc]));
    }
  }
});
