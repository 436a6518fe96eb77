import { concatWith, mergeMap, type MonoTypeOperatorFunction, Observable, type SchedulerLike } from 'rxjs';

/**
 * A queue of deliveries shared by the streams that take turns: one delivery a task of
 * `scheduler`, in the order they were queued (`gap`: the delay of each task, 0 in
 * production; 1 makes the turns visible in a marble diagram).
 */
export class Turns {
  private queue: ({ run: () => void; cancelled: boolean } | undefined)[] = [];
  private head = 0;
  private scheduled = false;

  constructor(private readonly scheduler: SchedulerLike, private readonly gap = 0) {}

  /** Emits `values` (none: only completes) in a turn of its own, queued when subscribed; unsubscribed, it leaves the queue. */
  turn<T>(...values: T[]): Observable<T> {
    return new Observable<T>((subscriber) => {
      const task = {
        run: () => {
          for (const v of values) subscriber.next(v);
          subscriber.complete();
        },
        cancelled: false,
      };
      this.queue.push(task);
      this.wake();
      return () => void (task.cancelled = true);
    });
  }

  private wake(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.scheduler.schedule(() => this.runOne(), this.gap);
  }

  private runOne(): void {
    this.scheduled = false;
    const task = this.next();
    try {
      task?.run();
    } finally {
      if (this.head < this.queue.length) this.wake();
    }
  }

  /** The first task not cancelled, taken out of the queue. */
  private next(): { run: () => void } | undefined {
    while (this.head < this.queue.length) {
      const task = this.queue[this.head];
      this.queue[this.head++] = undefined;
      if (task !== undefined && !task.cancelled) return task;
    }
    this.queue = [];
    this.head = 0;
    return undefined;
  }
}

/**
 * Passes each value on in a turn of its own from `turns`, and the completion in one more;
 * values are queued as they arrive, so a stream whose values came together is passed on in
 * consecutive turns, before the values that came after them (of this or any other stream
 * sharing `turns`). An error passes at once, dropping what is queued.
 *
 * Why: a small bundle is gathered and then read in one go (see gatherSmall); when several
 * complete together, reading them back to back held the event loop for tens of ms, and the
 * broker's confirms and the other requests' bytes waited behind them. With the chunks
 * taking turns (setImmediate, nextTurnScheduler) the loop does its I/O between two chunks.
 *
 * ```
 * turns on the test scheduler, gap 1
 * source: -(ab)-c-|
 * result: --a-b-c-|
 * ```
 */
export function takeTurns<T>(turns: Turns): MonoTypeOperatorFunction<T> {
  return (source) => source.pipe(
    mergeMap((value) => turns.turn(value)),
    concatWith(turns.turn<T>()),
  );
}
