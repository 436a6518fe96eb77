import assert from 'node:assert/strict';
import { test } from 'node:test';
import { of } from 'rxjs';
import { recordToJson } from '../../src/records/serialize-json';
import { Uint64 } from '../../src/records/uint64';
import { marbles } from '../marbles';
import { fieldsOf, operatorContract, record, transformOf } from './support';

const a = record(0, { VOName: 'cms', Host: 'h1', WallDuration: 60 });
const b = record(1, { Host: 'h2' });
const c = record(2, { Other: 'x' });

test('rename: renames fields in place; a record without them passes as it is; counts the changed', () => {
  const { transform, counted } = transformOf({ type: 'rename', fields: { VOName: 'VO', Host: 'MachineName' } });
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a-b-c-|', { a, b, c }).pipe(transform, fieldsOf)).toBe('-a-b-c-|', {
      a: { type: 'JobUsageRecord', VO: 'cms', MachineName: 'h1', WallDuration: 60, RawXML: a.raw },
      b: { type: 'JobUsageRecord', MachineName: 'h2', RawXML: b.raw },
      c: c.fields,
    });
  });
  assert.equal(counted.changed, 2);
  assert.deepEqual(Object.keys(a.fields), ['type', 'VOName', 'Host', 'WallDuration', 'RawXML'], 'the record it was given is unchanged');
});

test('rename: onto an existing field replaces it; renames of one transform swap', () => {
  const onto = transformOf({ type: 'rename', fields: { Host: 'VOName' } }).transform;
  const swap = transformOf({ type: 'rename', fields: { Host: 'VOName', VOName: 'Host' } }).transform;
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a|', { a }).pipe(onto, fieldsOf)).toBe('-a|', { a: { type: 'JobUsageRecord', VOName: 'h1', WallDuration: 60, RawXML: a.raw } });
    expectObservable(cold('-a|', { a }).pipe(swap, fieldsOf)).toBe('-a|', { a: { type: 'JobUsageRecord', Host: 'cms', VOName: 'h1', WallDuration: 60, RawXML: a.raw } });
  });
});

test('rename: a 64-bit count keeps every digit in JSON', async () => {
  const big = record(0, { TotalSpace: Uint64.parse('18446744073709551615')! }, 'StorageElementRecord');
  const { transform } = transformOf({ type: 'rename', fields: { TotalSpace: 'Total' } });
  let json = '';
  of(big).pipe(transform).subscribe((r) => (json = recordToJson(r)));
  assert.equal(json, `{"type":"StorageElementRecord","Total":18446744073709551615,"RawXML":"<StorageElementRecord n=\\"0\\"/>"}`);
});

operatorContract('rename', () => transformOf({ type: 'rename', fields: { Host: 'MachineName' } }).transform, [a, b, c], [0, 1, 2]);
