// Helpers of the transforms' marble specs: records to transform, a transform built from its
// [[transforms]] table exactly as the configuration builds it, and the checks every operator
// must pass (an error passes through, unsubscription releases the source, `take` stops a
// synchronous source).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { map } from 'rxjs';
import type { FieldValue, GraccRecord } from '../../src/records/gracc-record';
import { Uint64 } from '../../src/records/uint64';
import { buildTransformChain, readTransforms } from '../../src/transforms/chain';
import type { Transform } from '../../src/transforms/transform';
import { cutShort, marbles } from '../marbles';

/** A mapped record with these fields (type first, RawXML last, as flatten makes them). */
export function record(index: number, fields: Record<string, FieldValue>, type = 'JobUsageRecord'): GraccRecord {
  const raw = `<${type} n="${index}"/>`;
  const all = { type, ...fields, RawXML: raw };
  const exactCounts = Object.values(all).some((v: unknown) => v instanceof Uint64);
  return { index, type, id: String(fields['RecordId'] ?? ''), fields: all, exactCounts, raw, inheritedNamespaces: {} };
}

/** What a transform counted. */
export interface Counted {
  dropped: number;
  changed: number;
}

/** The transform one `[[transforms]]` table declares (it must be valid), and its counts. */
export function transformOf(table: Record<string, unknown>, baseDir = __dirname): { transform: Transform; counted: Counted } {
  const problems: string[] = [];
  const specs = readTransforms([table], { baseDir }, (p) => problems.push(p));
  assert.deepEqual(problems, []);
  const counted: Counted = { dropped: 0, changed: 0 };
  const transform = buildTransformChain(specs, () => ({
    dropped: (n = 1) => void (counted.dropped += n),
    changed: (n = 1) => void (counted.changed += n),
  }))!;
  return { transform, counted };
}

/** The fields only: what the marbles compare. */
export const fieldsOf = map((r: GraccRecord) => r.fields);

/**
 * The checks every transform's operator must pass, over `values` (at least three records) of
 * which `kept` come out (by index): a source error passes through after what came before it,
 * unsubscription releases the source, and `take(2)` reads a synchronous source no further
 * than the record that makes its second output.
 */
export function operatorContract(label: string, make: () => Transform, values: readonly GraccRecord[], kept: readonly number[]): void {
  const [a, b] = values;
  test(`${label}: a source error passes through; unsubscription releases the source`, () => {
    marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
      const failing = cold('-a-#', { a: a! });
      expectObservable(failing.pipe(make(), map((r) => r.index))).toBe(kept.includes(a!.index) ? '-a-#' : '---#', { a: a!.index });
      const source = cold('-a-b-a-|', { a: a!, b: b! });
      const out = `-${kept.includes(a!.index) ? 'a' : '-'}-${kept.includes(b!.index) ? 'b' : '-'}-`;
      expectObservable(source.pipe(make(), map((r) => r.index)), '^---!').toBe(out, { a: a!.index, b: b!.index });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });
  test(`${label}: a synchronous source cut short by take is read no further`, () => {
    assert.ok(kept.length >= 2, 'the contract needs two records kept');
    const { out, read, completed } = cutShort(values, make(), 2);
    assert.deepEqual(out.map((r) => r.index), kept.slice(0, 2));
    assert.equal(read, values.findIndex((v) => v.index === kept[1]) + 1);
    assert.ok(completed);
  });
}
