// The reconnect schedule every sink shares: decorrelated-jitter delays between a base and a cap.

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

/** Throws a RangeError unless 0 ≤ base ≤ cap. */
export function checkSchedule(base: number, cap: number): void {
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
