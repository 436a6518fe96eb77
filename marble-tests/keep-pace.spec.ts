import assert from 'node:assert/strict';
import { test } from 'node:test';
import { from, take, toArray } from 'rxjs';
import { keepPace } from '../src/operators/keep-pace';
import { SlowBody } from '../src/contracts/request-errors';
import { cutShort, marbles } from './marbles';

const bytes = { a: Buffer.from('a'), b: Buffer.from('bb'), c: Buffer.from('cccc') };
const tooSlow = (why: string) => new SlowBody(why);

test('keepPace: chunks that keep coming pass on, and the source completes', () => {
  marbles().run(({ cold, expectObservable }) => {
    // idleMs 4, 500 bytes/s: 2 bytes in each window of 4 ms; 1 byte every 2 ms keeps up.
    expectObservable(cold('-a-a-a-a-a-a-|', bytes).pipe(keepPace(4, 500, tooSlow))).toBe('-a-a-a-a-a-a-|', bytes);
  });
});

test('keepPace: a pause of idleMs errors, and releases the source', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-c-------c|', bytes);
    expectObservable(source.pipe(keepPace(4, 0, tooSlow))).toBe('-c---#', bytes, new SlowBody('no byte of the body for 4 ms'));
    expectSubscriptions(source.subscriptions).toBe('^----!');
  });
});

test('keepPace: a trickle under the floor errors at the end of its window, however short its pauses', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a--a--a--a--|', bytes);
    expectObservable(source.pipe(keepPace(4, 500, tooSlow))).toBe('-a--#', bytes,
      new SlowBody('body slower than 500 bytes/s: 1 bytes in 4 ms'));
    expectSubscriptions(source.subscriptions).toBe('^---!');
  });
});

test('keepPace: each window is judged on its own bytes, not on the average so far', () => {
  marbles().run(({ cold, expectObservable }) => {
    // 4 bytes in the first window, then 1 byte in the second: cut at the second's end.
    expectObservable(cold('-c---a---a|', bytes).pipe(keepPace(4, 500, tooSlow))).toBe('-c---a--#', bytes,
      new SlowBody('body slower than 500 bytes/s: 1 bytes in 4 ms'));
  });
});

test('keepPace: errors pass through; unsubscription releases the source and its timer', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    expectObservable(cold('-a#', bytes).pipe(keepPace(4, 500, tooSlow))).toBe('-a#', bytes);
    const source = cold('-b-b-b-b-|', bytes);
    expectObservable(source.pipe(keepPace(4, 500, tooSlow)), '^--!').toBe('-b-', bytes);
    expectSubscriptions(source.subscriptions).toBe('^--!');
  });
});

test('keepPace: a synchronous source cut short by take', () => {
  marbles().run(({ expectObservable }) => {
    expectObservable(from([bytes.a, bytes.b, bytes.c]).pipe(keepPace(4, 500, tooSlow), take(2))).toBe('(ab|)', bytes);
  });
  let got: Buffer[] = [];
  from([bytes.a, bytes.b, bytes.c]).pipe(keepPace(4, 500, tooSlow), take(2), toArray()).subscribe((all) => (got = all));
  assert.deepEqual(got, [bytes.a, bytes.b]);
});

test('keepPace: a synchronous source cut short by take is read no further', () => {
  const { out, read } = cutShort([bytes.a, bytes.b, bytes.c, bytes.a], keepPace(1000, 0, tooSlow), 2);
  assert.deepEqual([out, read], [[bytes.a, bytes.b], 2]);
});
