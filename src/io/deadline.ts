/** Waiting with a time limit, for the sinks' closes and the collector's stop. */

/** Resolves true once `promise` settled (fulfilled or rejected) within `ms`, false when `ms` passed first. */
export function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = promise.then(() => true, () => true);
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([settled, late]).finally(() => clearTimeout(timer));
}

/** `promise`'s outcome, or an Error(message) when it did not settle within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  if (!(await settledWithin(promise, ms))) throw new Error(message);
  return promise;
}

/** How long a sink's close() waits for its connections to close by default (the `closeTimeout` key's default). */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
