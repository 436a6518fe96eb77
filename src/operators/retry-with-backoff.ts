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
import { Backoff, type BackoffSchedule, checkSchedule } from '../contracts/backoff';

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
