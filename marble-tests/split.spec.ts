import assert from 'node:assert/strict';
import { test } from 'node:test';
import { map } from 'rxjs';
import { split } from '../src/operators/split';
import { RecordError } from '../src/records/record-error';
import { cutShort, marbles } from './marbles';

const chunks = {
  a: '<RecordEnvelope><Job',
  b: 'UsageRecord><LocalJobId>1</LocalJobId></JobUsageRecord><ProbeDetails/>',
  c: '<StorageElement><UniqueID>se</UniqueID></Storage',
  d: 'Element></RecordEnvelope>',
};
const summary = map((item: { kind: string; raw?: string }) => (item.kind === 'record' ? item.raw : 'handshake'));

test('split: each record is emitted as soon as its end tag arrives; handshakes too', () => {
  marbles().run(({ cold, expectObservable }) => {
    const source = cold('-a--b---c--d--|', chunks);
    expectObservable(source.pipe(split(), summary)).toBe('----(xy)---z--|', {
      x: '<JobUsageRecord><LocalJobId>1</LocalJobId></JobUsageRecord>',
      y: 'handshake',
      z: '<StorageElement><UniqueID>se</UniqueID></StorageElement>',
    });
  });
});

test('split: completes only when the source does, after checking the document is whole', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a--b------|', chunks).pipe(split(), summary)).toBe('----(xy)---#', {
      x: '<JobUsageRecord><LocalJobId>1</LocalJobId></JobUsageRecord>',
      y: 'handshake',
    }, new RecordError('malformed XML: 1:90: unclosed tag: RecordEnvelope'));
  });
});

test('split: malformed XML errors naming the record, and releases the source', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a--e--d--|', { a: '<RecordEnvelope><JobUsageRecord>', e: '<RecordIdentity recordId="r1"/>&bogus;', d: '</JobUsageRecord>' });
    expectObservable(source.pipe(split())).toBe('----#', undefined,
      RecordError.at(0, 'r1', 'malformed XML: 1:70: undefined entity.'));
    expectSubscriptions(source.subscriptions).toBe('^---!');
  });
});

test('split: the error names the record position and id', () => {
  let seen: Error | undefined;
  marbles().run(({ cold, flush }) => {
    cold('-a-e-|', { a: '<RecordEnvelope><JobUsageRecord>', e: '<RecordIdentity recordId="r1"/>&bogus;' })
      .pipe(split())
      .subscribe({ error: (e: Error) => (seen = e) });
    flush();
  });
  assert.ok(seen instanceof RecordError);
  assert.match(seen.message, /^record 1 \(r1\): malformed XML: .*undefined entity/);
});

test('split: a source error passes through', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a--#', chunks).pipe(split())).toBe('----#');
  });
});

test('split: unsubscription releases the source', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a--b---c--d--|', chunks);
    expectObservable(source.pipe(split(), summary), '^------!').toBe('----(xy)', {
      x: '<JobUsageRecord><LocalJobId>1</LocalJobId></JobUsageRecord>',
      y: 'handshake',
    });
    expectSubscriptions(source.subscriptions).toBe('^------!');
  });
});

test('split: a synchronous source cut short by take is read no further', () => {
  const records = ['<RecordEnvelope>', ...['1', '2', '3', '4'].map((id) => `<JobUsageRecord><LocalJobId>${id}</LocalJobId></JobUsageRecord>`), '</RecordEnvelope>'];
  const { out, read } = cutShort(records, split(), 2);
  assert.deepEqual([out.length, read], [2, 3]);
});
