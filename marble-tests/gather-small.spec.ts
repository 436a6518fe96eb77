import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gatherSmall } from '../src/operators/gather-small';
import { type BodyChunk, GatheredChunks } from '../src/records/gathered-chunks';
import { cutShort, marbles } from './marbles';

const four = { a: Buffer.from('aaaa'), b: Buffer.from('bbbb'), c: Buffer.from('cccc'), d: Buffer.from('dddd') };
/** What goes out: the chunks held, gathered. */
const joined = { ...four, x: new GatheredChunks([four.a, four.b], 8), y: new GatheredChunks([four.a, four.b, four.c], 12) };

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
  // past 8 bytes held it lets go of the three read, gathered, then passes the fourth: two
  // taken, the fifth never read
  const chunks = [chunk(), chunk(), chunk(), chunk(), chunk()];
  const { out, read } = cutShort(chunks, gatherSmall(8), 2);
  assert.deepEqual([out.length, read], [2, 4]);
  assert.deepEqual(out, [new GatheredChunks(chunks.slice(0, 3), 12), chunks[3]]);
});

test('gatherSmall: what it gathers are the very chunks it was given, in order, none copied', () => {
  const seen: BodyChunk[] = [];
  marbles().run(({ cold }) => {
    for (const diagram of ['-a--b--|', '-a--b--c-----d--|', '-a-----|']) {
      cold(diagram, four).pipe(gatherSmall(10)).subscribe((c) => seen.push(c));
    }
  });
  const chunksOf = (c: BodyChunk): readonly Uint8Array[] => (c instanceof GatheredChunks ? c.chunks : [c]);
  assert.deepEqual(seen.map((c) => chunksOf(c).length), [2, 3, 1, 1]);
  // in the order of time: the three bodies are read side by side
  const given = [four.a, four.b, four.a, four.b, four.c, four.a, four.d];
  const passed = seen.flatMap(chunksOf);
  assert.equal(passed.length, given.length);
  assert.ok(passed.every((c, k) => c === given[k]));
});
