import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filter, map, throwError, mergeMap, of } from 'rxjs';
import { transformRecords } from '../src/operators/transform-records';
import type { GraccRecord, Handshake } from '../src/records/gracc-record';
import { record } from './transforms/support';
import { cutShort, marbles } from './marbles';

const r0 = record(0, { VOName: 'cms' });
const r2 = record(2, { VOName: 'test' });
const r3 = record(3, { VOName: 'osg' });
const h: Handshake = { kind: 'handshake', index: 1 };
const dropTest = filter((r: GraccRecord) => r.fields['VOName'] !== 'test');
const tag = map((r: GraccRecord) => ({ ...r, id: `t${r.index}` }));

test('transformRecords: records through the transform, handshakes around it; at the end the count received', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a-h-b-c-|', { a: r0, h, b: r2, c: r3 }).pipe(transformRecords(dropTest))).toBe('-a-h---c-(n|)', {
      a: r0, h, c: r3, n: { kind: 'received', records: 3 },
    });
    expectObservable(cold('-a-b-|', { a: r0, b: r2 }).pipe(transformRecords(tag))).toBe('-a-b-(n|)', {
      a: { ...r0, id: 't0' }, b: { ...r2, id: 't2' }, n: { kind: 'received', records: 2 },
    });
    expectObservable(cold('-h-|', { h }).pipe(transformRecords(tag))).toBe('-h-(n|)', { h, n: { kind: 'received', records: 0 } });
  });
});

test('transformRecords: an error of the source or of the transform ends it, without a count', () => {
  const failing = mergeMap((r: GraccRecord) => (r.index === 2 ? throwError(() => new Error('bad transform')) : of(r)));
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    expectObservable(cold('-a-h-#', { a: r0, h }).pipe(transformRecords(dropTest))).toBe('-a-h-#', { a: r0, h });
    const source = cold('-a-b-c-|', { a: r0, b: r2, c: r3 });
    expectObservable(source.pipe(transformRecords(failing))).toBe('-a-#', { a: r0 }, new Error('bad transform'));
    expectSubscriptions(source.subscriptions).toBe('^--!');
  });
});

test('transformRecords: unsubscription releases the source', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a-h-c-|', { a: r0, h, c: r3 });
    expectObservable(source.pipe(transformRecords(dropTest)), '^--!').toBe('-a--', { a: r0 });
    expectSubscriptions(source.subscriptions).toBe('^--!');
  });
});

test('transformRecords: a synchronous source cut short by take is read no further', () => {
  const { out, read, completed } = cutShort([r0, r2, h, r3], transformRecords(dropTest), 2);
  assert.deepEqual([out, read, completed], [[r0, h], 3, true]);
});
