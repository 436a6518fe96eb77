import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { settledWithin, withTimeout } from '../../src/io/deadline';

const after = <T>(ms: number, value: T, fail = false): Promise<T> =>
  new Promise((resolve, reject) => setTimeout(() => (fail ? reject(new Error(String(value))) : resolve(value)), ms));

describe('deadline', () => {
  test('settledWithin: true for a promise fulfilled or rejected in time, false for one that never settles', async () => {
    assert.equal(await settledWithin(after(5, 'x'), 1_000), true);
    assert.equal(await settledWithin(after(5, 'boom', true), 1_000), true);
    assert.equal(await settledWithin(new Promise(() => {}), 20), false);
  });

  test('withTimeout: the outcome in time, else the error named', async () => {
    assert.equal(await withTimeout(after(5, 42), 1_000, 'late'), 42);
    await assert.rejects(withTimeout(after(5, 'boom', true), 1_000, 'late'), /boom/);
    await assert.rejects(withTimeout(new Promise(() => {}), 20, 'no answer within 20 ms'), /no answer within 20 ms/);
  });
});
