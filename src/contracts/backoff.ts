import {
  type MonoTypeOperatorFunction,
  type Observable,
  type SchedulerLike,
  asyncScheduler,
  defer,
  retry,
  tap,
  timer,
} from 'rxjs';

/** A source of uniformly distributed numbers in [0, 1), like `Math.random`. */
export type RandomSource = () => number;

export interface BackoffSchedule {
  /** The first delay is drawn from [base, 3 × base); no delay is ever shorter than base (ms). */
  readonly base: number;
  /** No delay is ever longer than cap (ms). */
  readonly cap: number;
  /** Injectable for deterministic tests; defaults to `Math.random`. */
  readonly random?: RandomSource;
}

function checkSchedule(base: number, cap: number): void {
  if (!Number.isFinite(base) || base < 0) throw new RangeError(`backoff base must be a finite number ≥ 0, got ${base}`);
  if (!(cap >= base)) throw new RangeError(`backoff cap (${cap}) must be ≥ base (${base})`);
}

/**
 * The "decorrelated jitter" delays (ms) between retries, endless:
 * `sleep = min(cap, random_between(base, previous_sleep × 3))`, starting from previous = base.
 * Each delay is in [base, cap]. To start the schedule again (after a success), take a new iterator.
 *
 * With random ≡ 0.5, base 4 and cap 30: 8, 14, 23, 30, 30, …
 */
export function* backoffDelays(base: number, cap: number, random: RandomSource = Math.random): Generator<number, never, void> {
  checkSchedule(base, cap);
  let previous = base;
  for (;;) {
    const upper = previous * 3;
    const sleep = Math.min(cap, base + random() * (upper - base));
    previous = sleep;
    yield sleep;
  }
}

/**
 * Stateful form of {@link backoffDelays} for imperative callers (reconnect loops):
 * `next()` gives the next delay, `reset()` starts the schedule again after a success.
 */
export class Backoff {
  private delays: Generator<number, never, void>;
  /** Delays handed out since the last reset. */
  attempts = 0;

  constructor(private readonly schedule: BackoffSchedule) {
    this.delays = backoffDelays(schedule.base, schedule.cap, schedule.random);
  }

  next(): number {
    this.attempts++;
    return this.delays.next().value;
  }

  reset(): void {
    this.attempts = 0;
    this.delays = backoffDelays(this.schedule.base, this.schedule.cap, this.schedule.random);
  }
}

/**
 * A `delay` function for rxjs `retry({ delay, resetOnSuccess: true })`: waits the next
 * decorrelated-jitter delay. The schedule restarts whenever `retry` reports retry number 1,
 * which is the case after a success when `resetOnSuccess` is set. Use one per subscription.
 */
export function backoffDelay(
  options: BackoffSchedule & { readonly scheduler?: SchedulerLike },
): (error: unknown, retryCount: number) => Observable<0> {
  const backoff = new Backoff(options);
  return (_error, retryCount) => {
    if (retryCount <= 1) backoff.reset();
    return timer(backoff.next(), options.scheduler ?? asyncScheduler);
  };
}

export interface RetryWithBackoffOptions extends BackoffSchedule {
  /** Where the delays are scheduled; the async scheduler by default (virtualised in `TestScheduler.run`). */
  readonly scheduler?: SchedulerLike;
  /**
   * How many resubscriptions in a row (without a value in between) before the error is let
   * through; endless by default.
   */
  readonly maxRetries?: number;
  /** Told before each wait, e.g. to log it; `attempt` counts from 1 since the last success. */
  readonly onRetry?: (info: { readonly error: unknown; readonly attempt: number; readonly delay: number }) => void;
}

/**
 * Resubscribes to the source after each error, waiting the next decorrelated-jitter delay
 * (see {@link backoffDelays}) first; a value from the source starts the schedule again.
 * Values and completion pass through; after `maxRetries` failed resubscriptions in a row
 * the error passes through. Unsubscribing cancels a pending wait.
 *
 * With base 4, cap 30, random ≡ 0.5 (delays 8, 14, 23, 30, …) and maxRetries 2, each
 * subscription to the source failing as shown (one character per ms):
 * ```
 * 1st:        -a-#
 * 2nd:                   -#
 * 3rd:                                  -b-#
 * 4th:                                             -#
 * 5th:                                                            -#
 * result:     -a-------------------------b-------------------------#
 * ```
 * (the value b restarted the schedule and the retry count; the third error in a row went through)
 */
export function retryWithBackoff<T>(options: RetryWithBackoffOptions): MonoTypeOperatorFunction<T> {
  const { base, cap, random, scheduler = asyncScheduler, maxRetries = Infinity, onRetry } = options;
  checkSchedule(base, cap);
  return (source) =>
    defer(() => {
      const backoff = new Backoff({ base, cap, random });
      return source.pipe(
        tap(() => {
          if (backoff.attempts > 0) backoff.reset();
        }),
        retry({
          delay: (error: unknown) => {
            if (backoff.attempts >= maxRetries) throw error;
            const delay = backoff.next();
            onRetry?.({ error, attempt: backoff.attempts, delay });
            return timer(delay, scheduler);
          },
        }),
      );
    });
}
