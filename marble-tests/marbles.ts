import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import { Observable, type OperatorFunction, take } from 'rxjs';

/** A TestScheduler that compares with node:assert, for the marble specs. */
export function marbles(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));
}

/**
 * Runs `operator` over a synchronous source of `values`, cut short by `take(n)`: what came
 * out, and how many values the source was made to give. An operator that stays subscribed
 * to a synchronous source after its subscriber left reads it to the end.
 */
export function cutShort<T, R>(values: readonly T[], operator: OperatorFunction<T, R>, n: number): { out: R[]; read: number; completed: boolean } {
  let read = 0;
  const source = new Observable<T>((subscriber) => {
    for (const value of values) {
      if (subscriber.closed) return;
      read++;
      subscriber.next(value);
    }
    subscriber.complete();
  });
  const out: R[] = [];
  let completed = false;
  source.pipe(operator, take(n)).subscribe({ next: (v) => void out.push(v), complete: () => void (completed = true) });
  return { out, read, completed };
}
