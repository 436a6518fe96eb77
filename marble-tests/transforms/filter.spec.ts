import assert from 'node:assert/strict';
import { test } from 'node:test';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import type { GraccRecord } from '../../src/records/gracc-record';
import { marbles } from '../marbles';
import { operatorContract, record, transformOf } from './support';

const cms = record(0, { VOName: 'cms', ProbeName: 'condor:ce1.example.org', WallDuration: 60 });
const test1 = record(1, { VOName: 'test', ProbeName: 'condor:ce2.example.org', WallDuration: 0 });
const osg = record(2, { VOName: 'OSG', ProbeName: 'condor:ce1.example.org' });
const storage = record(3, { SiteName: 'X' }, 'StorageElementRecord');
const all = [cms, test1, osg, storage];

/** The indexes of the records a filter table keeps, of `records`. */
async function kept(table: Record<string, unknown>, records: readonly GraccRecord[] = all): Promise<number[]> {
  const { transform } = transformOf({ type: 'filter', ...table });
  return lastValueFrom(from(records).pipe(transform, map((r) => r.index), toArray()));
}

test('filter: drops the records that meet its condition, keeps the others as they are; counts the dropped', () => {
  const { transform, counted } = transformOf({ type: 'filter', action: 'drop', conditions: [{ field: 'VOName', oneOf: ['test', 'dteam'] }] });
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a-b-c-|', { a: cms, b: test1, c: osg }).pipe(transform)).toBe('-a---c-|', { a: cms, c: osg });
  });
  assert.equal(counted.dropped, 1);
});

test('filter: keep, with each operator', async () => {
  assert.deepEqual(await kept({ action: 'keep', conditions: [{ field: 'ProbeName', equals: 'condor:ce1.example.org' }] }), [0, 2]);
  assert.deepEqual(await kept({ action: 'keep', conditions: [{ field: 'ProbeName', matches: '^condor:ce2\\.' }] }), [1]);
  assert.deepEqual(await kept({ action: 'keep', conditions: [{ field: 'VOName', present: false }] }), [3]);
  assert.deepEqual(await kept({ action: 'keep', conditions: [{ field: 'VOName', present: true }] }), [0, 1, 2]);
  // the record's type is a field like the others
  assert.deepEqual(await kept({ action: 'keep', conditions: [{ field: 'type', equals: 'StorageElementRecord' }] }), [3]);
});

test('filter: values compare as text; a missing field equals nothing and matches nothing', async () => {
  assert.deepEqual(await kept({ action: 'keep', conditions: [{ field: 'WallDuration', equals: 60 }] }), [0]);
  assert.deepEqual(await kept({ action: 'keep', conditions: [{ field: 'WallDuration', oneOf: ['0', 60] }] }), [0, 1]);
  assert.deepEqual(await kept({ action: 'keep', conditions: [{ field: 'WallDuration', matches: '^\\d+$' }] }), [0, 1]);
  assert.deepEqual(await kept({ action: 'drop', conditions: [{ field: 'VOName', matches: '.*' }] }), [3]);
});

test('filter: not, ignoreCase, and several conditions combined by all or any', async () => {
  assert.deepEqual(await kept({ action: 'keep', conditions: [{ field: 'VOName', equals: 'cms', not: true }] }), [1, 2, 3]);
  assert.deepEqual(await kept({ action: 'keep', conditions: [{ field: 'VOName', oneOf: ['osg'], ignoreCase: true }] }), [2]);
  assert.deepEqual(await kept({ action: 'keep', conditions: [{ field: 'VOName', matches: '^OS', ignoreCase: true }] }), [2]);
  const ce1 = { field: 'ProbeName', equals: 'condor:ce1.example.org' };
  const vo = { field: 'VOName', equals: 'test' };
  assert.deepEqual(await kept({ action: 'keep', conditions: [ce1, { field: 'VOName', equals: 'cms' }] }), [0]);
  assert.deepEqual(await kept({ action: 'keep', match: 'all', conditions: [ce1, vo] }), []);
  assert.deepEqual(await kept({ action: 'keep', match: 'any', conditions: [ce1, vo] }), [0, 1, 2]);
  assert.deepEqual(await kept({ action: 'drop', match: 'any', conditions: [ce1, vo] }), [3]);
});

test('filter: keys in any case', async () => {
  assert.deepEqual(await kept({ Action: 'DROP', Match: 'Any', Conditions: [{ Field: 'VOName', OneOf: ['test'], NOT: true }] }), [1]);
});

test('filter: completes with its source when it dropped every record', () => {
  const { transform } = transformOf({ type: 'filter', action: 'drop', conditions: [{ field: 'WallDuration', present: true }] });
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a-b-|', { a: cms, b: test1 }).pipe(transform)).toBe('-----|');
  });
});

operatorContract('filter', () => transformOf({ type: 'filter', action: 'drop', conditions: [{ field: 'VOName', equals: 'test' }] }).transform, all, [0, 2, 3]);
