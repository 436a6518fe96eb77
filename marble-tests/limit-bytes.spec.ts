import assert from 'node:assert/strict';
import { test } from 'node:test';
import { limitBytes } from '../src/operators/limit-bytes';
import { BodyTooLarge } from '../src/contracts/request-errors';
import { cutShort, marbles } from './marbles';

const four = { a: Buffer.from('aaaa'), b: Buffer.from('bbbb'), c: Buffer.from('cccc') };
const tooLarge = () => new BodyTooLarge(10);

test('limitBytes: passes chunks within the limit and completes', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a--b--|', four).pipe(limitBytes(8, tooLarge))).toBe('-a--b--|', four);
  });
});

test('limitBytes: errors at the chunk that goes over, and releases the source', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a--b--c--|', four);
    expectObservable(source.pipe(limitBytes(10, tooLarge))).toBe('-a--b--#', four, new BodyTooLarge(10));
    expectSubscriptions(source.subscriptions).toBe('^------!');
  });
});

test('limitBytes: source errors pass through; unsubscription releases the source', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    expectObservable(cold('-a-#', four).pipe(limitBytes(10, tooLarge))).toBe('-a-#', four);
    const source = cold('-a--b--|', four);
    expectObservable(source.pipe(limitBytes(10, tooLarge)), '^-!').toBe('-a-', four);
    expectSubscriptions(source.subscriptions).toBe('^-!');
  });
});

test('limitBytes: a synchronous source cut short by take is read no further', () => {
  const { out, read } = cutShort([four.a, four.b, four.c, four.a], limitBytes(100, tooLarge), 2);
  assert.deepEqual([out, read], [[four.a, four.b], 2]);
});
