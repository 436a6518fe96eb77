import assert from 'node:assert/strict';
import { test } from 'node:test';
import { map } from 'rxjs';
import { flatten } from '../src/operators/flatten';
import type { RecordItem } from '../src/records/bundle-item';
import type { Handshake } from '../src/records/gracc-record';
import { RecordError } from '../src/records/record-error';
import { cutShort, marbles } from './marbles';

function record(index: number, children: RecordItem['root']['children']): RecordItem {
  return { kind: 'record', index, root: { name: 'JobUsageRecord', attrs: {}, text: '', children }, raw: `<r${index}/>`, inheritedNamespaces: {} };
}
const el = (name: string, text: string, attrs: Record<string, string> = {}) => ({ name, attrs, text, children: [] });
const handshake: Handshake = { kind: 'handshake', index: 1 };

test('flatten: maps records to GRACC records, passes handshakes through', () => {
  marbles().run(({ cold, expectObservable }) => {
    const source = cold('-r--h--s--|', {
      r: record(0, [el('WallDuration', 'PT1M')]),
      h: handshake,
      s: record(2, [el('EndTime', '2020-01-01T00:00:00.5+00:00')]),
    });
    const summary = map((e: unknown) => ('fields' in (e as object) ? (e as { fields: object }).fields : e));
    expectObservable(source.pipe(flatten(), summary)).toBe('-r--h--s--|', {
      r: { type: 'JobUsageRecord', CpuDuration: 0, WallDuration: 60, ResourceType: 'Batch', RawXML: '<r0/>' },
      h: handshake,
      s: { type: 'JobUsageRecord', EndTime: '2020-01-01T00:00:00Z', CpuDuration: 0, WallDuration: 0, ResourceType: 'Batch', RawXML: '<r2/>' },
    });
  });
});

test('flatten: an invalid value errors naming the record, and releases the source', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-r--b--r--|', {
      r: record(0, []),
      b: record(1, [el('RecordIdentity', '', { recordId: 'id-7' }), el('StartTime', '2020-01-01T00:00:00')]),
    });
    expectObservable(source.pipe(flatten(), map(() => 'g'))).toBe('-g--#', undefined,
      RecordError.at(1, 'id-7', 'StartTime: not an RFC 3339 instant with an offset: "2020-01-01T00:00:00"'));
    expectSubscriptions(source.subscriptions).toBe('^---!');
  });
});

test('flatten: a source error passes through; unsubscription releases the source', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    expectObservable(cold('-h-#').pipe(map(() => handshake), flatten())).toBe('-h-#', { h: handshake });
    const source = cold('-h--h--|', { h: handshake });
    expectObservable(source.pipe(flatten()), '^---!').toBe('-h---', { h: handshake });
    expectSubscriptions(source.subscriptions).toBe('^---!');
  });
});

test('flatten: a synchronous source cut short by take is read no further', () => {
  const { out, read } = cutShort([record(0, []), handshake, record(2, []), record(3, [])], flatten(), 2);
  assert.deepEqual([out.length, read], [2, 2]);
});
