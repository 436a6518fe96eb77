import { type SchedulerAction, type SchedulerLike, Subscription } from 'rxjs';

/**
 * A scheduler whose tasks run in a later turn of Node's event loop (`setImmediate`), after
 * the I/O that is ready has been handled — unlike RxJS's asapScheduler, whose tasks are
 * microtasks and run before any I/O. A delay above 0 is a timer.
 */
export const nextTurnScheduler: SchedulerLike = {
  now: () => Date.now(),
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return new NextTurnAction(work).schedule(state, delay);
  },
};

class NextTurnAction<T> extends Subscription implements SchedulerAction<T> {
  private cancelPending: (() => void) | undefined;

  constructor(private readonly work: (this: SchedulerAction<T>, state?: T) => void) {
    super();
    this.add(() => this.cancelPending?.());
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.cancelPending?.();
    const run = (): void => {
      this.cancelPending = undefined;
      this.work.call(this, state);
    };
    if (delay > 0) {
      const timer = setTimeout(run, delay);
      this.cancelPending = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(run);
      this.cancelPending = () => clearImmediate(immediate);
    }
    return this;
  }
}
