import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateAll } from '../src/operators/validate-all';
import { cutShort, marbles } from './marbles';

test('validateAll: holds every value until completion, then emits them all', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a--b--c--|');
    expectObservable(source.pipe(validateAll())).toBe('----------(abc|)');
    expectSubscriptions(source.subscriptions).toBe('^---------!');
  });
});

test('validateAll: an error discards everything held and is the only emission', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a--b--#', undefined, new Error('bad record')).pipe(validateAll()))
      .toBe('-------#', undefined, new Error('bad record'));
  });
});

test('validateAll: an empty bundle completes with nothing', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('---|').pipe(validateAll())).toBe('---|');
  });
});

test('validateAll: unsubscribing before completion emits nothing and releases the source', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a--b--c--|');
    expectObservable(source.pipe(validateAll()), '^----!').toBe('------');
    expectSubscriptions(source.subscriptions).toBe('^----!');
  });
});

test('validateAll: a synchronous source cut short by take: the whole source is read (to validate it), only n go out', () => {
  const { out, read, completed } = cutShort([1, 2, 3, 4], validateAll<number>(), 2);
  assert.deepEqual([out, read, completed], [[1, 2], 4, true]);
});
