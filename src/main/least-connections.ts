/**
 * Which worker takes a new connection: the one with the fewest open, ties taken in turn.
 *
 * Why not node:cluster's round robin: it hands each connection to the first worker that
 * acknowledged its last one, so a burst of connections goes mostly to whichever worker is
 * not busy at that moment, and kept-alive connections stay where they landed. Eight
 * connections opened together were split 6 to 2 between two workers as often as 4 to 4:
 * one worker then had three times the bundles of the other, and the collector the latency
 * of the busier one (`npm run bench`, the modern records, December 2026).
 */
export class LeastConnections<W> {
  /** Open connections by worker, in the order the workers were added. */
  private readonly open = new Map<W, number>();
  /** Where the search for the fewest starts, moved on at each pick: ties go in turn. */
  private turn = 0;

  /** A worker that now takes connections. */
  add(worker: W): void {
    if (!this.open.has(worker)) this.open.set(worker, 0);
  }

  /** A worker gone: its connections went with it. */
  remove(worker: W): void {
    this.open.delete(worker);
  }

  get size(): number {
    return this.open.size;
  }

  /** The worker for the next connection (counted as open on it), or undefined when none takes any. */
  pick(): W | undefined {
    const counts = [...this.open];
    const n = counts.length;
    if (n === 0) return undefined;
    // the first of the fewest from `start` on, round the list
    const start = this.turn++ % n;
    let best = start;
    for (let k = 1; k < n; k++) {
      const i = (start + k) % n;
      if (counts[i]![1] < counts[best]![1]) best = i;
    }
    const [worker, count] = counts[best]!;
    this.open.set(worker, count + 1);
    return worker;
  }

  /** One of the worker's connections closed. */
  closed(worker: W): void {
    const count = this.open.get(worker);
    if (count !== undefined && count > 0) this.open.set(worker, count - 1);
  }

  /** Open connections of a worker (undefined for one not added). */
  openOn(worker: W): number | undefined {
    return this.open.get(worker);
  }
}
