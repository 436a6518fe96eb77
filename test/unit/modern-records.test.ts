// The bench's generator of HTCondor-CE-shaped records: deterministic, and the shape it promises.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { modernRecords, probeDuration, seedOf } from '../../bench/modern-records';
import { envelopeOf, replicationOf } from '../../bench/sample-records';
import { convertOk } from '../support/convert';

const elements = (xml: string): number => (xml.match(/<[A-Za-z]/g) ?? []).length;
/** Elements with at least one `urwg:`-prefixed attribute. */
const namespaced = (xml: string): number => (xml.match(/<[A-Za-z][^>]*\surwg:[A-Za-z]+="/g) ?? []).length;
const countOf = (xml: string, name: string): number => (xml.match(new RegExp(`<${name}[ >]`, 'g')) ?? []).length;

describe('modern records for the bench', () => {
  const records = modernRecords(300, { seed: seedOf('unit') });

  test('the same seed gives the same records, another seed others', () => {
    assert.deepEqual(modernRecords(20, { seed: 5 }), modernRecords(20, { seed: 5 }));
    assert.notDeepEqual(modernRecords(20, { seed: 5 }), modernRecords(20, { seed: 6 }));
  });

  test('about 2.5 kB, 40+ elements, urwg: attributes on most, several Resource and TimeDuration elements', () => {
    const sizes = records.map((r) => Buffer.byteLength(r));
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    assert.ok(mean > 2300 && mean < 3000, `mean size ${mean}`);
    for (const r of records) {
      const n = elements(r);
      assert.ok(n >= 40, `${n} elements`);
      assert.ok(namespaced(r) > n / 2, `${namespaced(r)} of ${n} elements with urwg: attributes`);
      assert.ok(countOf(r, 'Resource') >= 5, 'Resources');
      assert.ok(countOf(r, 'TimeDuration') >= 4, 'TimeDurations');
      assert.equal(countOf(r, 'TimeInstant'), 1);
    }
  });

  test('every record has its own id, job and values', () => {
    const ids = records.map((r) => /urwg:recordId="([^"]+)"/.exec(r)![1]!);
    assert.equal(new Set(ids).size, records.length);
    assert.equal(new Set(records.map((r) => /<GlobalJobId>([^<]+)</.exec(r)![1])).size, records.length);
    assert.ok(new Set(records.map((r) => /<WallDuration[^>]*>([^<]+)</.exec(r)![1])).size > records.length * 0.9, 'wall durations vary');
    // bundles of one load are numbered on from each other: their ids never meet
    const next = modernRecords(300, { seed: seedOf('unit'), first: 300 }).map((r) => /urwg:recordId="([^"]+)"/.exec(r)![1]!);
    assert.equal(new Set([...ids, ...next]).size, 600);
  });

  test('they convert without error in both payload forms, one GRACC record each, their ids kept', () => {
    const some = records.slice(0, 100);
    for (const bundle of [envelopeOf(some), replicationOf(some)]) {
      const out = convertOk([bundle]).map((b) => JSON.parse(b) as Record<string, unknown>);
      assert.equal(out.length, some.length);
      assert.deepEqual(out.map((o) => o['RecordId']), some.map((r) => /urwg:recordId="([^"]+)"/.exec(r)![1]));
      for (const o of out) {
        assert.equal(o['type'], 'JobUsageRecord');
        assert.ok(typeof o['TimeDuration_RemoteUserCpu'] === 'number');
        assert.ok(o['ResourceType'] === 'Batch' || o['ResourceType'] === 'Payload');
      }
    }
  });

  test('durations as the probe library writes them', () => {
    assert.equal(probeDuration(0), 'PT0S');
    assert.equal(probeDuration(152), 'PT2M32.0S');
    assert.equal(probeDuration(3600), 'PT1H');
    assert.equal(probeDuration(3661), 'PT1H1M1.0S');
  });
});
