import {
  asyncScheduler, defer, finalize, merge, type MonoTypeOperatorFunction, Observable, type SchedulerLike,
  Subject, type Subscription, takeUntil, tap,
} from 'rxjs';

/**
 * Passes chunks on while they keep coming: errors with `tooSlow(why)` (and releases the
 * source) when no chunk came for `idleMs`, or when a window of `idleMs` (counted from the
 * subscription, one after the other) brought fewer than `minBytesPerSecond` × `idleMs` bytes.
 * A floor on the rate, judged window by window, rather than a limit on the total: a large
 * body on a slow link gets through, a trickle does not, however long it has been going.
 * `minBytesPerSecond` 0 checks only the pauses.
 *
 * ```
 * source: -a--a--a--|        (1 byte each; idleMs 4, minBytesPerSecond 500: 2 bytes a window)
 * result: -a--#              (only 1 byte in the first 4 ms)
 * ```
 */
export function keepPace<T extends Uint8Array>(
  idleMs: number,
  minBytesPerSecond: number,
  tooSlow: (why: string) => Error,
  scheduler: SchedulerLike = asyncScheduler,
): MonoTypeOperatorFunction<T> {
  const floor = (minBytesPerSecond * idleMs) / 1000;
  return (source) =>
    defer(() => {
      let lastChunkAt = scheduler.now();
      let windowStart = lastChunkAt;
      let windowBytes = 0;
      // Errors when a pause or a window is too slow; one timer at a time, set for the next
      // moment something can be due: the pause's end or the window's.
      const watchdog = new Observable<never>((subscriber) => {
        let timer: Subscription | undefined;
        const check = (): void => {
          const now = scheduler.now();
          if (now - lastChunkAt >= idleMs) return subscriber.error(tooSlow(`no byte of the body for ${idleMs} ms`));
          if (now - windowStart >= idleMs) {
            if (windowBytes < floor) {
              return subscriber.error(tooSlow(`body slower than ${minBytesPerSecond} bytes/s: ${windowBytes} bytes in ${idleMs} ms`));
            }
            windowStart = now;
            windowBytes = 0;
          }
          timer = scheduler.schedule(check, Math.min(lastChunkAt, windowStart) + idleMs - now);
        };
        timer = scheduler.schedule(check, idleMs);
        return () => timer?.unsubscribe();
      });
      // The watchdog runs until the body is over (subscribed first: a body can be over at once).
      const over = new Subject<void>();
      return merge(
        watchdog.pipe(takeUntil(over)),
        source.pipe(
          tap((chunk) => {
            lastChunkAt = scheduler.now();
            windowBytes += chunk.byteLength;
          }),
          finalize(() => over.next()),
        ),
      );
    });
}
