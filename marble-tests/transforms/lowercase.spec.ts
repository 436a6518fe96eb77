// The developer guide's worked example (docs/adding-a-transform.md): the spec of a transform.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { marbles } from '../marbles';
import { fieldsOf, operatorContract, record, transformOf } from './support';

const upper = record(0, { VOName: 'CMS', ReportableVOName: 'CMS', WallDuration: 60 });
const lower = record(1, { VOName: 'cms' });
const none = record(2, { SiteName: 'X' });

test('lowercase: writes the listed fields in lower case; numbers, other and missing fields stay; counts the changed', () => {
  const { transform, counted } = transformOf({ type: 'lowercase', fields: ['VOName', 'ReportableVOName', 'WallDuration'] });
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a-b-c-|', { a: upper, b: lower, c: none }).pipe(transform, fieldsOf)).toBe('-a-b-c-|', {
      a: { type: 'JobUsageRecord', VOName: 'cms', ReportableVOName: 'cms', WallDuration: 60, RawXML: upper.raw },
      b: lower.fields,
      c: none.fields,
    });
  });
  assert.equal(counted.changed, 1, 'only the record it changed');
});

test('lowercase: the record as received (raw, what the xml and raw formats write) is left as it is', () => {
  const { transform } = transformOf({ type: 'lowercase', fields: ['VOName'] });
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a|', { a: upper }).pipe(transform)).toBe('-a|', { a: { ...upper, fields: { ...upper.fields, VOName: 'cms' } } });
  });
});

operatorContract('lowercase', () => transformOf({ type: 'lowercase', fields: ['VOName'] }).transform, [upper, lower, none], [0, 1, 2]);
