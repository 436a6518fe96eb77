// Property test of newFields (fields-object.ts): an object made by it, given any sequence of
// stores (overwrites, integer-like keys, `__proto__`, keys of any text, more stores than its
// slots), is the same plain object as a literal given the same stores: prototype, keys and
// their order, values, JSON.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { emptyFields, newFields } from '../../src/records/fields-object';
import type { FieldValue } from '../../src/records/gracc-record';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 1000);

const key = fc.oneof(
  fc.constantFrom('type', 'RecordId', 'RawXML', 'CpuDuration', 'Resource_x', '__proto__', 'constructor', 'toString', '0', '7', '4294967295', '-1', '01', ''),
  fc.string({ maxLength: 12 }),
  fc.nat({ max: 300 }).map((n) => `Field_${n}`),
);
const value: fc.Arbitrary<FieldValue> = fc.oneof(fc.string({ maxLength: 8 }), fc.double(), fc.integer());
const stores = fc.array(fc.tuple(key, value), { maxLength: 220 });

test('newFields gives the plain object a literal does, for any stores', () => {
  fc.assert(fc.property(fc.string({ maxLength: 20 }), stores, (type, sets) => {
    const made = newFields(type);
    const literal: Record<string, FieldValue> = { type };
    for (const [k, v] of sets) {
      made[k] = v;
      literal[k] = v;
    }
    assert.equal(Object.getPrototypeOf(made), Object.prototype);
    assert.deepEqual(Object.keys(made), Object.keys(literal));
    assert.deepStrictEqual(made, literal);
    assert.equal(JSON.stringify(made), JSON.stringify(literal));
  }), { numRuns: RUNS });
});

test('newFields gives a plain object holding only `type`', () => {
  const made = newFields('JobUsageRecord');
  assert.deepStrictEqual(made, { type: 'JobUsageRecord' });
  assert.equal(made.constructor, Object);
  assert.equal(Object.prototype.toString.call(made), '[object Object]');
  assert.deepStrictEqual(emptyFields(), {});
});
