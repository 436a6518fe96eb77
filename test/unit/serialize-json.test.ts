import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { FieldValue, GraccRecord } from '../../src/records/gracc-record';
import { newFields } from '../../src/records/fields-object';
import { JsonBytes, MAX_ESCAPED } from '../../src/records/json-bytes';
import { recordJsonBytes, recordToJson } from '../../src/records/serialize-json';
import { Uint64 } from '../../src/records/uint64';

// The json message of a record is written with RawXML escaped apart (json-escape.wasm): checked here against the engine's own JSON.stringify, and the exact-count
// path against a reference built on it.

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 300);

/** A record of exactly these fields, in this order. */
function recordOf(fields: Record<string, FieldValue>, exactCounts = false): GraccRecord {
  const raw = typeof fields['RawXML'] === 'string' ? fields['RawXML'] : '';
  return { index: 0, type: 'JobUsageRecord', id: '', fields, exactCounts, raw, inheritedNamespaces: {} };
}

/** UTF-16 units a serializer may get wrong: escapes, controls, non-ASCII, halves of pairs. */
const awkwardUnit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('"', '\\', '\n', '\t', '\r', '\b', '\f', '\u0000', '\u0001', '\u001f', '\u007f', '\u0080', 'é', '€', '\u2028', '😀', '\ud800', '\udbff', '\udc00', '\udfff', '<', '/') },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)) },
  { weight: 4, arbitrary: fc.constantFrom('a', 'Z', '0', ' ', '=', ':', ',', '{', '}') },
  // a run with nothing to escape, to fill whole 16-byte blocks of the escaper
  { weight: 1, arbitrary: fc.constant('urwg:description="x" ') },
);
const awkward = (maxLength: number) => fc.string({ unit: awkwardUnit, maxLength });
const key = fc.oneof(fc.constantFrom('type', 'RecordId', 'CpuDuration', '0', '17', 'Resource_a-b'), awkward(12)).filter((k) => k !== '__proto__' && k !== 'RawXML');
const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e21, 2 ** 53 + 2));
const value: fc.Arbitrary<FieldValue> = fc.oneof(awkward(40), number);
/** A value short or long (a long one is written apart from the others). */
const longValue = fc.oneof(awkward(40), fc.string({ unit: awkwardUnit, minLength: 200, maxLength: 700 }));
/** Where RawXML goes: last (as the mapper puts it), elsewhere, nowhere, or a value that is not a string. */
const rawXmlPlace = fc.constantFrom('last', 'last', 'last', 'first', 'absent', 'number');

/** A field map built as the mapper builds one: assigned in order. */
function fieldsOf(pairs: readonly (readonly [string, FieldValue])[], raw: string, place: string): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {};
  if (place === 'first') fields['RawXML'] = raw;
  for (const [k, v] of pairs) fields[k] = v;
  if (place === 'last') fields['RawXML'] = raw;
  if (place === 'number') fields['RawXML'] = raw.length;
  return fields;
}

const fieldMaps = fc
  .record({ pairs: fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, maxLength: 12 }), raw: awkward(300), place: rawXmlPlace })
  .map(({ pairs, raw, place }) => fieldsOf(pairs, raw, place));

test('the json bytes are JSON.stringify(fields) as UTF-8, and the fields are left as they were', () => {
  fc.assert(
    fc.property(fieldMaps, (fields) => {
      const before = Object.entries(fields);
      const bytes = recordJsonBytes(recordOf(fields));
      assert.deepEqual(bytes, Buffer.from(JSON.stringify(fields)));
      assert.deepEqual(Object.entries(fields), before);
    }),
    { numRuns: RUNS },
  );
});

/** The exact-count JSON by another road: JSON.stringify with each count as a marker replaced by its digits, a non-finite number 0. */
function exactReference(fields: Record<string, FieldValue>): string {
  const MARK = '\u0000exact count\u0000';
  const digits: string[] = [];
  const json = JSON.stringify(fields, (_key, v: unknown) => {
    if (v instanceof Uint64) {
      digits.push(v.digits);
      return MARK;
    }
    return typeof v === 'number' && !Number.isFinite(v) ? 0 : v;
  });
  return json.replaceAll(JSON.stringify(MARK), () => digits.shift()!);
}

const count = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((n) => Uint64.parse(String(n))!);

test('with exact counts, every digit of a 64-bit count is written, a non-finite number as 0', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(key, fc.oneof(value, count, longValue)), { selector: ([k]) => k, maxLength: 12 }),
      awkward(100),
      (pairs, raw) => {
        const fields = fieldsOf(pairs, raw, 'last');
        assert.deepEqual(recordJsonBytes(recordOf(fields, true)), Buffer.from(exactReference(fields)));
      },
    ),
    { numRuns: RUNS },
  );
  const max = recordOf({ type: 'StorageElementRecord', TotalSpace: Uint64.parse('18446744073709551615')!, RawXML: '<a/>' }, true);
  assert.equal(recordJsonBytes(max).toString(), '{"type":"StorageElementRecord","TotalSpace":18446744073709551615,"RawXML":"<a/>"}');
});

test('the escaper writes every UTF-16 unit and pair as JSON.stringify does, wherever it falls in a 16-byte block', () => {
  const writer = new JsonBytes();
  // a field's value, escaped by json-escape.wasm between the object's braces and key
  const escaped = (text: string): Buffer => {
    writer.start();
    assert.ok(writer.object({ s: text }));
    return writer.bytes();
  };
  for (let unit = 0; unit < 0x10000; unit++) {
    if (unit >= 0xd800 && unit <= 0xdfff) continue; // a lone surrogate is not the escaper's (the caller checks)
    const text = 'x'.repeat(unit % 37) + String.fromCharCode(unit) + 'y'.repeat(unit % 19);
    if (!escaped(text).equals(Buffer.from(JSON.stringify({ s: text })))) assert.fail(`U+${unit.toString(16)}`);
  }
  for (const text of ['', '😀', 'a😀"\n', '\u0000'.repeat(100), '"'.repeat(33), '<r a="1">\t\n</r>'.repeat(40)]) {
    assert.deepEqual(escaped(text), Buffer.from(JSON.stringify({ s: text })));
  }
});

test('a RawXML the escaper does not take (too long, a lone surrogate, not last, absent) is written the plain way, the same bytes', () => {
  const long = '<r a="1">\t\n</r>'.repeat(Math.ceil((MAX_ESCAPED + 1) / 15));
  const cases: Record<string, FieldValue>[] = [
    { type: 'JobUsageRecord', RawXML: long },
    { type: 'JobUsageRecord', RawXML: 'a\ud800b' },
    { RawXML: '<x/>', type: 'JobUsageRecord' },
    { RawXML: '<x/>', 'a"RawXML': '' }, // ends as RawXML's own pair would, with an escaped quote
    { RawXML: '<x/>' },
    { type: 'JobUsageRecord' },
  ];
  for (const fields of cases) {
    assert.deepEqual(recordJsonBytes(recordOf(fields)), Buffer.from(JSON.stringify(fields)));
  }
});

test('messages written one after another are each their own bytes', () => {
  const texts = Array.from({ length: 300 }, (_, i) => `${i}:${'é"\n'.repeat(i % 7)}${'m'.repeat((i * 7919) % 9000)}`);
  const jsons = texts.map((t) => recordJsonBytes(recordOf({ n: t.length, RawXML: t })));
  texts.forEach((t, i) => assert.ok(jsons[i]!.equals(Buffer.from(JSON.stringify({ n: t.length, RawXML: t }))), `message ${i}`));
  assert.equal(recordToJson(recordOf({ RawXML: 'a"b' })), '{"RawXML":"a\\"b"}');
});

// JsonBytes.object writes every field: short values joined in one write (again value by value when not all ASCII), long ones
// alone, keys' bytes kept from record to record.
const anyValue: fc.Arbitrary<FieldValue> = fc.oneof(longValue, number, fc.constantFrom('', 'Batch', '2025-06-25T03:50:11Z'));

test('JsonBytes.object writes any string and number fields as JSON.stringify does', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(key, anyValue), { selector: ([k]) => k, maxLength: 40 }), awkward(300), rawXmlPlace, (pairs, raw, place) => {
      const fields = fieldsOf(pairs, raw, place);
      assert.deepEqual(recordJsonBytes(recordOf(fields)), Buffer.from(JSON.stringify(fields)));
    }),
    { numRuns: RUNS },
  );
});

/** The object a record's fields start as: as the mappers make it, a literal, one without a prototype, or one with a prototype of its own. */
const madeAs = fc.constantFrom('newFields', 'literal', 'null prototype', 'other prototype');
function emptyFields(made: string): Record<string, FieldValue> {
  if (made === 'newFields') return newFields('JobUsageRecord');
  if (made === 'null prototype') return Object.create(null) as Record<string, FieldValue>;
  if (made === 'other prototype') return Object.create({ inherited: 'x' }) as Record<string, FieldValue>;
  return { type: 'JobUsageRecord' };
}

test('JsonBytes.object writes fields as JSON.stringify does however the object was made, up to and past the fast objects slots', () => {
  fc.assert(
    fc.property(madeAs, fc.uniqueArray(fc.tuple(key, anyValue), { selector: ([k]) => k, maxLength: 200 }), fc.nat(), awkward(100), (made, pairs, overwrite, raw) => {
      const fields = emptyFields(made);
      for (const [k, v] of pairs) fields[k] = v;
      if (pairs.length > 0) fields[pairs[overwrite % pairs.length]![0]] = 'again';
      fields['RawXML'] = raw;
      assert.deepEqual(recordJsonBytes(recordOf(fields)), Buffer.from(JSON.stringify(fields)));
    }),
    { numRuns: RUNS },
  );
});

test('JsonBytes.object: a property added to Object.prototype (for-in would visit it) is left out, as JSON.stringify leaves it', () => {
  const fields = newFields('JobUsageRecord');
  fields['CpuDuration'] = 3;
  fields['RawXML'] = '<r/>';
  const proto = Object.prototype as Record<string, unknown>;
  proto['polluted'] = 'yes';
  try {
    assert.deepEqual(recordJsonBytes(recordOf(fields)), Buffer.from(JSON.stringify(fields)));
    assert.deepEqual(recordJsonBytes(recordOf({ a: 1 })), Buffer.from('{"a":1}'));
  } finally {
    delete proto['polluted'];
  }
});

test('JsonBytes.object: integer-like keys first, as JSON.stringify orders them; no fields; a value overwritten keeps its place', () => {
  const cases: Record<string, FieldValue>[] = [{}, { b: 1, 2: 'x', a: '', 1: -0 }, { type: 'JobUsageRecord', RawXML: '' }];
  const overwritten: Record<string, FieldValue> = { a: 1, b: 'é', c: 3 };
  overwritten['a'] = 'again';
  cases.push(overwritten);
  for (const fields of cases) assert.deepEqual(recordJsonBytes(recordOf(fields)), Buffer.from(JSON.stringify(fields)));
});

test('JsonBytes.object: more fields or keys than it keeps room for, the same bytes', () => {
  const many: Record<string, FieldValue> = {};
  for (let i = 0; i < 3000; i++) many[`Resource_${i}`] = i % 2 === 0 ? `v${i}` : i;
  assert.deepEqual(recordJsonBytes(recordOf(many)), Buffer.from(JSON.stringify(many)));
  // Distinct long keys fill the room for keys' bytes several times over.
  for (let r = 0; r < 200; r++) {
    const fields: Record<string, FieldValue> = { type: 'JobUsageRecord' };
    for (let k = 0; k < 20; k++) fields[`${'k'.repeat(200 + k)}-${r}-é`] = `${r}:${k}`;
    fields['RawXML'] = `<r n="${r}"/>`;
    assert.deepEqual(recordJsonBytes(recordOf(fields)), Buffer.from(JSON.stringify(fields)), `record ${r}`);
  }
  const longKey = { ['x'.repeat(5000)]: 'v', RawXML: '<a/>' };
  assert.deepEqual(recordJsonBytes(recordOf(longKey)), Buffer.from(JSON.stringify(longKey)));
});
