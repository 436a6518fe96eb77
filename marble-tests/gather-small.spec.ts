import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gatherSmall } from '../src/operators/gather-small';
import { cutShort, marbles } from './marbles';

const four = { a: Buffer.from('aaaa'), b: Buffer.from('bbbb'), c: Buffer.from('cccc'), d: Buffer.from('dddd') };

test('gatherSmall: a small body comes out whole, at completion', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a--b--|', four).pipe(gatherSmall(10))).toBe('-------(ab|)', four);
    expectObservable(cold('-a--b--|', four).pipe(gatherSmall(8))).toBe('-------(ab|)', four);
    expectObservable(cold<Buffer>('---|').pipe(gatherSmall(8))).toBe('---|');
  });
});

test('gatherSmall: past maxBytes, what is held goes out and the rest streams', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a--b--c-----d--|', four).pipe(gatherSmall(10))).toBe('-------(abc)-d--|', four);
    expectObservable(cold('-a--b--|', four).pipe(gatherSmall(0))).toBe('-a--b--|', four);
  });
});

test('gatherSmall: an error drops what is held; unsubscription releases the source', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    expectObservable(cold('-a--#', four).pipe(gatherSmall(10))).toBe('----#');
    expectObservable(cold('-a--b------c--#', four).pipe(gatherSmall(6))).toBe('----(ab)---c--#', four);
    const source = cold('-a--b--|', four);
    expectObservable(source.pipe(gatherSmall(10)), '^---!').toBe('-----');
    expectSubscriptions(source.subscriptions).toBe('^---!');
  });
});

test('gatherSmall: a synchronous source cut short by take is read no further than it must', () => {
  const chunk = () => Buffer.from('abcd');
  // past 8 bytes held it lets go: three chunks read, two taken, the fourth never read
  const { out, read } = cutShort([chunk(), chunk(), chunk(), chunk(), chunk()], gatherSmall(8), 2);
  assert.deepEqual([out.length, read], [2, 3]);
});
