import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defer, retry } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Backoff, backoffDelays } from '../src/contracts/backoff.js';
import { backoffDelay, retryWithBackoff } from '../src/operators/retry-with-backoff.js';
import { cutShort } from './marbles';

const testScheduler = () => new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));

const half = () => 0.5;

/** A small seeded PRNG (mulberry32), for determinism checks. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function take<T>(it: Iterator<T>, n: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(it.next().value as T);
  return out;
}

test('backoffDelays: min(cap, random_between(base, previous × 3)) from previous = base', () => {
  // 4 + .5 × (12 − 4) = 8; 4 + .5 × (24 − 4) = 14; 4 + .5 × (42 − 4) = 23; 36.5 → cap 30; 47 → 30
  assert.deepStrictEqual(take(backoffDelays(4, 30, half), 6), [8, 14, 23, 30, 30, 30]);
  assert.deepStrictEqual(take(backoffDelays(1000, 3_600_000, () => 0), 3), [1000, 1000, 1000]);
});

test('backoffDelays: every delay is within [base, cap], and the cap is reached', () => {
  const delays = take(backoffDelays(1000, 3_600_000, seeded(42)), 2000);
  for (const d of delays) assert.ok(d >= 1000 && d <= 3_600_000, `delay ${d} out of bounds`);
  assert.equal(Math.max(...delays), 3_600_000);
  // random close to 1 grows by ~×3 each time until the cap
  assert.deepStrictEqual(
    take(backoffDelays(10, 100, () => 1 - 1e-12), 4).map(Math.round),
    [30, 90, 100, 100],
  );
});

test('backoffDelays: the same random source gives the same schedule', () => {
  assert.deepStrictEqual(take(backoffDelays(1, 500, seeded(7)), 50), take(backoffDelays(1, 500, seeded(7)), 50));
  assert.notDeepStrictEqual(take(backoffDelays(1, 500, seeded(7)), 50), take(backoffDelays(1, 500, seeded(8)), 50));
});

test('backoffDelays: rejects a negative base or a cap below the base', () => {
  assert.throws(() => backoffDelays(-1, 10).next(), RangeError);
  assert.throws(() => backoffDelays(10, 5).next(), RangeError);
  assert.throws(() => retryWithBackoff({ base: 10, cap: 5 }), RangeError);
});

test('Backoff: next() follows the schedule, reset() starts it again', () => {
  const b = new Backoff({ base: 4, cap: 30, random: half });
  assert.deepStrictEqual([b.next(), b.next(), b.next()], [8, 14, 23]);
  assert.equal(b.attempts, 3);
  b.reset();
  assert.equal(b.attempts, 0);
  assert.deepStrictEqual([b.next(), b.next()], [8, 14]);
});

test('retryWithBackoff: values (next) pass through untouched', () => {
  testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a-b--c-');
    expectObservable(source.pipe(retryWithBackoff({ base: 4, cap: 30, random: half }))).toBe('-a-b--c-');
    expectSubscriptions(source.subscriptions).toBe('^-------');
  });
});

test('retryWithBackoff: completion passes through, without resubscribing', () => {
  testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a-|');
    expectObservable(source.pipe(retryWithBackoff({ base: 4, cap: 30, random: half }))).toBe('-a-|');
    expectSubscriptions(source.subscriptions).toBe('^--!');
  });
});

test('retryWithBackoff: errors are retried with growing delays, up to the cap', () => {
  testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-#');
    // delays 8, 14, 23, 30, 30: subscriptions at 0, 9, 24, 48, 79, 110
    expectObservable(source.pipe(retryWithBackoff({ base: 4, cap: 30, random: half })), '^ 120ms !').toBe('');
    expectSubscriptions(source.subscriptions).toBe([
      '^!',
      '9ms ^!',
      '24ms ^!',
      '48ms ^!',
      '79ms ^!',
      '110ms ^!',
    ]);
  });
});

test('retryWithBackoff: after maxRetries failures in a row the error goes through; a value resets the schedule', () => {
  testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    // the example in the operator's doc comment: a different cold source on each subscription
    const attempts = ['-a-#', '-#', '-b-#', '-#', '-#'].map((m) => cold(m));
    let subscription = 0;
    const retried = defer(() => attempts[subscription++]!).pipe(
      retryWithBackoff({ base: 4, cap: 30, random: half, maxRetries: 2 }),
    );
    // a at 1; error 3 → wait 8 → 11: error 12 → wait 14 → 26: b 27, error 29 (schedule reset)
    // → wait 8 → 37: error 38 → wait 14 → 52: error 53, the third in a row: through
    expectObservable(retried).toBe('-a 25ms b 25ms #');
    expectSubscriptions(attempts[0]!.subscriptions).toBe('^--!');
    expectSubscriptions(attempts[1]!.subscriptions).toBe('11ms ^!');
    expectSubscriptions(attempts[2]!.subscriptions).toBe('26ms ^--!');
    expectSubscriptions(attempts[3]!.subscriptions).toBe('37ms ^!');
    expectSubscriptions(attempts[4]!.subscriptions).toBe('52ms ^!');
  });
});

test('retryWithBackoff: maxRetries 0 lets the first error through', () => {
  testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a-#', undefined, new Error('boom'));
    expectObservable(source.pipe(retryWithBackoff({ base: 4, cap: 30, random: half, maxRetries: 0 }))).toBe(
      '-a-#',
      undefined,
      new Error('boom'),
    );
    expectSubscriptions(source.subscriptions).toBe('^--!');
  });
});

test('retryWithBackoff: unsubscribing during a wait cancels the resubscription', () => {
  testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a#');
    // error at 2 → wait 8 → resubscribe at 10: a 11, error 12 → wait 8 (reset by a) → 20
    expectObservable(source.pipe(retryWithBackoff({ base: 4, cap: 30, random: half })), '^ 14ms !').toBe(
      '-a 9ms a',
    );
    expectSubscriptions(source.subscriptions).toBe(['^-!', '10ms ^-!']);
  });
  testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a---');
    expectObservable(source.pipe(retryWithBackoff({ base: 4, cap: 30, random: half })), '^--!').toBe('-a-');
    expectSubscriptions(source.subscriptions).toBe('^--!');
  });
});

test('retryWithBackoff: the cap bounds every wait', () => {
  testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('#');
    // random ≈ 1: 30 → cap 10, then 10, 10
    expectObservable(source.pipe(retryWithBackoff({ base: 10, cap: 10, random: () => 0.999 })), '^ 35ms !').toBe('');
    expectSubscriptions(source.subscriptions).toBe(['(^!)', '10ms (^!)', '20ms (^!)', '30ms (^!)']);
  });
});

test('retryWithBackoff: deterministic with a fixed random source; onRetry is told each wait', () => {
  const run = (seed: number) => {
    const delays: number[] = [];
    const resubscribedAt: number[] = [];
    let failedAt = -1;
    const scheduler = testScheduler();
    scheduler.run(({ cold }) => {
      const source = cold('--#', undefined, 'e');
      defer(() => {
        resubscribedAt.push(scheduler.now());
        return source;
      })
        .pipe(
          retryWithBackoff({
            base: 5,
            cap: 100,
            random: seeded(seed),
            maxRetries: 6,
            onRetry: ({ attempt, delay, error }) => {
              assert.equal(error, 'e');
              assert.equal(attempt, delays.length + 1);
              delays.push(delay);
            },
          }),
        )
        .subscribe({ error: () => (failedAt = scheduler.now()) });
    });
    return { delays, resubscribedAt, failedAt };
  };
  const first = run(3);
  assert.deepStrictEqual(run(3), first);
  assert.deepStrictEqual(first.delays, take(backoffDelays(5, 100, seeded(3)), 6));
  // each subscription fails 2 ms in, then waits its delay
  let t = 0;
  const expected = [0];
  for (const d of first.delays) expected.push((t = t + 2 + d));
  assert.deepStrictEqual(first.resubscribedAt, expected);
  assert.equal(first.failedAt, t + 2);
});

test('backoffDelay: a delay function for rxjs retry({ delay, resetOnSuccess })', () => {
  testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const attempts = ['-#', '-#', '-a#', '-#', '-'].map((m) => cold(m));
    let subscription = 0;
    const retried = defer(() => attempts[subscription++]!).pipe(
      retry({ delay: backoffDelay({ base: 4, cap: 30, random: half }), resetOnSuccess: true }),
    );
    // error 1 → 8 → 9: error 10 → 14 → 24: a 25, error 26 → 8 (reset) → 34: error 35 → 14 → 49
    expectObservable(retried, '^ 55ms !').toBe('25ms a');
    expectSubscriptions(attempts[0]!.subscriptions).toBe('^!');
    expectSubscriptions(attempts[1]!.subscriptions).toBe('9ms ^!');
    expectSubscriptions(attempts[2]!.subscriptions).toBe('24ms ^-!');
    expectSubscriptions(attempts[3]!.subscriptions).toBe('34ms ^!');
    expectSubscriptions(attempts[4]!.subscriptions).toBe('49ms ^------!');
  });
});

test('retryWithBackoff: a synchronous source cut short by take is read no further', () => {
  const { out, read } = cutShort(['a', 'b', 'c'], retryWithBackoff<string>({ base: 1, cap: 2 }), 2);
  assert.deepStrictEqual([out, read], [['a', 'b'], 2]);
});
