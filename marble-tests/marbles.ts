import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';

/** A TestScheduler that compares with node:assert, for the marble specs. */
export function marbles(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));
}
