import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gatherSmall } from '../src/operators/gather-small';
import { isPrivate } from '../src/records/private-bytes';
import { cutShort, marbles } from './marbles';

const four = { a: Buffer.from('aaaa'), b: Buffer.from('bbbb'), c: Buffer.from('cccc'), d: Buffer.from('dddd') };
/** What goes out: the chunks held, joined. */
const joined = { ...four, x: Buffer.from('aaaabbbb'), y: Buffer.from('aaaabbbbcccc') };

test('gatherSmall: a small body comes out whole, in one chunk, at completion', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a--b--|', four).pipe(gatherSmall(10))).toBe('-------(x|)', joined);
    expectObservable(cold('-a--b--|', four).pipe(gatherSmall(8))).toBe('-------(x|)', joined);
    expectObservable(cold('-a-----|', four).pipe(gatherSmall(8))).toBe('-------(a|)', four);
    expectObservable(cold<Buffer>('---|').pipe(gatherSmall(8))).toBe('---|');
  });
});

test('gatherSmall: past maxBytes, what is held goes out and the rest streams', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a--b--c-----d--|', four).pipe(gatherSmall(10))).toBe('-------y-----d--|', joined);
    expectObservable(cold('-a--b--|', four).pipe(gatherSmall(0))).toBe('-a--b--|', four);
  });
});

test('gatherSmall: an error drops what is held; unsubscription releases the source', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    expectObservable(cold('-a--#', four).pipe(gatherSmall(10))).toBe('----#');
    expectObservable(cold('-a--b------c--#', four).pipe(gatherSmall(6))).toBe('----x------c--#', joined);
    const source = cold('-a--b--|', four);
    expectObservable(source.pipe(gatherSmall(10)), '^---!').toBe('-----');
    expectSubscriptions(source.subscriptions).toBe('^---!');
  });
});

test('gatherSmall: a synchronous source cut short by take is read no further than it must', () => {
  const chunk = () => Buffer.from('abcd');
  // past 8 bytes held it lets go of the three read, joined, then passes the fourth: two
  // taken, the fifth never read
  const { out, read } = cutShort([chunk(), chunk(), chunk(), chunk(), chunk()], gatherSmall(8), 2);
  assert.deepEqual([out.length, read], [2, 4]);
  assert.deepEqual(out[0], Buffer.from('abcd'.repeat(3)));
});

test('gatherSmall: what it joined is private (the form decoder may write over it); a chunk passed on as it came is not', () => {
  const seen: Uint8Array[] = [];
  marbles().run(({ cold }) => {
    for (const diagram of ['-a--b--|', '-a--b--c-----d--|', '-a-----|']) {
      cold(diagram, four).pipe(gatherSmall(10)).subscribe((c) => seen.push(c));
    }
  });
  assert.deepEqual(seen.map((c) => [Buffer.from(c).toString(), isPrivate(c)]), [
    ['aaaabbbb', true], ['aaaabbbbcccc', true], ['aaaa', false], ['dddd', false],
  ]);
  for (const chunk of Object.values(four)) assert.equal(isPrivate(chunk), false);
});
