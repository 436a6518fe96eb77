import { asyncScheduler, type MonoTypeOperatorFunction, Observable, type SchedulerLike, type Subscription } from 'rxjs';

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
    new Observable<T>((subscriber) => {
      let lastChunkAt = scheduler.now();
      let windowStart = lastChunkAt;
      let windowBytes = 0;
      let timer: Subscription | undefined;
      // One timer at a time, set for the next moment something can be due: the pause's end or the window's.
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
      const subscription = source.subscribe({
        next(chunk) {
          lastChunkAt = scheduler.now();
          windowBytes += chunk.byteLength;
          subscriber.next(chunk);
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      return () => {
        timer?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
