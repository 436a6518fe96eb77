import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { of } from 'rxjs';
import type { GraccRecord } from '../../src/records/gracc-record';
import { recordToJson } from '../../src/records/serialize-json';
import { Uint64 } from '../../src/records/uint64';
import { marbles } from '../marbles';
import { fieldsOf, operatorContract, record, transformOf } from './support';

/** The fixtures are read from the sources, beside this spec. */
export const FIXTURES = path.resolve(__dirname, '../../../marble-tests/transforms/fixtures');

const a = record(0, { ProbeName: 'condor:ce1.example.org', VOName: 'cms', WallDuration: 60 });
const b = record(1, { ProbeName: 'condor:ce2.example.org', SiteName: 'Mine' });
const c = record(2, { ProbeName: 'condor:elsewhere' });

function once(table: Record<string, unknown>, r: GraccRecord): GraccRecord {
  const { transform } = transformOf({ type: 'set', ...table }, FIXTURES);
  let out: GraccRecord | undefined;
  of(r).pipe(transform).subscribe((x) => (out = x));
  return out!;
}

test('set: constants, templates and a lookup in a mapping file; new fields before RawXML; counts the changed', () => {
  const { transform, counted } = transformOf({
    type: 'set',
    fields: {
      Collector: 'gracc-collector-1',
      Probe: 'probe {ProbeName} of {VOName:-no VO}',
      SiteName: { lookup: 'probe-sites.csv', key: '{ProbeName}', default: 'unknown' },
    },
  }, FIXTURES);
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a-b-c-|', { a, b, c }).pipe(transform, fieldsOf)).toBe('-a-b-c-|', {
      a: { type: 'JobUsageRecord', ProbeName: 'condor:ce1.example.org', VOName: 'cms', WallDuration: 60, Collector: 'gracc-collector-1', Probe: 'probe condor:ce1.example.org of cms', SiteName: 'Example University', RawXML: a.raw },
      b: { type: 'JobUsageRecord', ProbeName: 'condor:ce2.example.org', SiteName: 'Other Lab, Building 2', Collector: 'gracc-collector-1', Probe: 'probe condor:ce2.example.org of no VO', RawXML: b.raw },
      c: { type: 'JobUsageRecord', ProbeName: 'condor:elsewhere', Collector: 'gracc-collector-1', Probe: 'probe condor:elsewhere of no VO', SiteName: 'unknown', RawXML: c.raw },
    });
  });
  assert.equal(counted.changed, 3);
});

test('set: a lookup without a default leaves the field as it is for a key the file lacks', () => {
  const table = { fields: { SiteName: { lookup: 'probe-sites.csv', key: '{ProbeName}' } } };
  assert.equal(once(table, c), c, 'nothing changed: the record itself');
  assert.equal(once(table, a).fields['SiteName'], 'Example University');
});

test('set: ifAbsent sets only a missing or empty field, for the whole transform or one field', () => {
  assert.equal(once({ ifAbsent: true, fields: { SiteName: 'S' } }, b).fields['SiteName'], 'Mine');
  assert.equal(once({ ifAbsent: true, fields: { SiteName: 'S' } }, a).fields['SiteName'], 'S');
  assert.equal(once({ fields: { SiteName: { value: 'S', ifAbsent: true } } }, b).fields['SiteName'], 'Mine');
  assert.equal(once({ fields: { SiteName: { value: 'S', ifAbsent: true } } }, record(3, { SiteName: '' })).fields['SiteName'], 'S');
  assert.equal(once({ fields: { SiteName: 'S' } }, b).fields['SiteName'], 'S');
});

test('set: a template of one placeholder copies the value as it is (numbers, 64-bit counts); others are text', () => {
  assert.equal(once({ fields: { Wall: '{WallDuration}' } }, a).fields['Wall'], 60);
  assert.equal(once({ fields: { Wall: '{WallDuration}s' } }, a).fields['Wall'], '60s');
  assert.equal(once({ fields: { Wall: '{WallDuration}' } }, c).fields['Wall'], '');
  const big = record(0, { TotalSpace: Uint64.parse('18446744073709551615')! }, 'StorageElementRecord');
  const copied = once({ fields: { Total: '{TotalSpace}' }, remove: ['TotalSpace'] }, big);
  assert.equal(recordToJson(copied), `{"type":"StorageElementRecord","Total":18446744073709551615,"RawXML":"<StorageElementRecord n=\\"0\\"/>"}`);
  // a count only as text, and none left: the fast serializer writes the same
  const asText = once({ fields: { Total: 'n={TotalSpace}' }, remove: ['TotalSpace'] }, big);
  assert.equal(asText.exactCounts, false);
  assert.equal(recordToJson(asText), `{"type":"StorageElementRecord","Total":"n=18446744073709551615","RawXML":"<StorageElementRecord n=\\"0\\"/>"}`);
});

test('set: remove; every value is worked out from the record as it came', () => {
  assert.deepEqual(once({ remove: ['VOName', 'Nothing'] }, a).fields, { type: 'JobUsageRecord', ProbeName: 'condor:ce1.example.org', WallDuration: 60, RawXML: a.raw });
  assert.equal(once({ remove: ['Nothing'] }, a), a, 'removing a missing field changes nothing');
  const swapped = once({ fields: { VOName: '{ProbeName}', ProbeName: '{VOName}' } }, a).fields;
  assert.deepEqual([swapped['VOName'], swapped['ProbeName']], ['condor:ce1.example.org', 'cms']);
});

operatorContract('set', () => transformOf({ type: 'set', fields: { X: '{ProbeName}' } }).transform, [a, b, c], [0, 1, 2]);
