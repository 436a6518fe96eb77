import assert from 'node:assert/strict';
import { test } from 'node:test';
import { from, merge, queueScheduler } from 'rxjs';
import { takeTurns, Turns } from '../src/operators/take-turns';
import { nextTurnScheduler } from '../src/operators/next-turn-scheduler';
import { cutShort, marbles } from './marbles';

test('takeTurns: values that came together go out one a turn, the completion in a turn of its own', () => {
  const scheduler = marbles();
  scheduler.run(({ cold, expectObservable }) => {
    const turns = new Turns(scheduler, 1);
    expectObservable(cold('-(ab)-c-|').pipe(takeTurns(turns))).toBe('--ab---c-|');
  });
});

test('takeTurns: streams sharing the turns are served in the order their values came', () => {
  const scheduler = marbles();
  scheduler.run(({ cold, expectObservable }) => {
    const turns = new Turns(scheduler, 1);
    // x's three values came first: they go out before y's, though y's came in the same frame;
    // a completion is queued once its stream's last value went out (x's at 4, y's at 6)
    const x = cold('-(abc|)').pipe(takeTurns(turns));
    const y = cold('-(de|)').pipe(takeTurns(turns));
    expectObservable(merge(x, y)).toBe('--abcde-|');
  });
});

test('takeTurns: an error passes at once and drops what is queued', () => {
  const scheduler = marbles();
  scheduler.run(({ cold, expectObservable }) => {
    const turns = new Turns(scheduler, 1);
    expectObservable(cold('-(ab#)').pipe(takeTurns(turns))).toBe('-#');
    expectObservable(cold('-a-#').pipe(takeTurns(turns))).toBe('--a#');
  });
});

test('takeTurns: unsubscription releases the source and leaves the queue to the others', () => {
  const scheduler = marbles();
  scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
    const turns = new Turns(scheduler, 1);
    const source = cold('-(abc)--|');
    expectObservable(source.pipe(takeTurns(turns)), '^--!').toBe('--a');
    expectSubscriptions(source.subscriptions).toBe('^--!');
    // b and c were dropped from the queue: the other stream's value takes the next turn
    expectObservable(cold('-d|').pipe(takeTurns(turns))).toBe('---d|');
  });
});

test('takeTurns: a synchronous source cut short by take is read no further than it must', () => {
  // on the queue scheduler each value goes out as it comes: take's unsubscription stops the source
  const { out, read, completed } = cutShort([1, 2, 3, 4, 5], takeTurns(new Turns(queueScheduler)), 2);
  assert.deepEqual([out, read, completed], [[1, 2], 2, true]);
});

test('takeTurns on nextTurnScheduler: I/O ready between two values is handled between them', async () => {
  const turns = new Turns(nextTurnScheduler);
  const seen: string[] = [];
  const done = new Promise<void>((resolve) => {
    from([1, 2, 3]).pipe(takeTurns(turns)).subscribe({
      next: (v) => {
        seen.push(`value ${v}`);
        // an immediate queued now runs before the next value's turn
        if (v === 1) setImmediate(() => seen.push('other work'));
      },
      complete: () => resolve(),
    });
  });
  assert.deepEqual(seen, [], 'nothing goes out in the turn it came');
  await done;
  assert.deepEqual(seen, ['value 1', 'other work', 'value 2', 'value 3']);
});
