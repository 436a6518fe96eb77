// The bench's side of bench/loop-probe.ts: starts and stops a measurement in every process
// of a collector and reads what each of them saw.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoopSnapshot } from './loop-probe';

/** The compiled preload (this file runs from dist/bench/). */
export const LOOP_PROBE = path.join(__dirname, 'loop-probe.js');

export class LoopReading {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'gracc-bench-loop-'));
  private epoch = 0;

  /** The collector's node options and environment for the probe. */
  get nodeArgs(): string[] {
    return ['--require', LOOP_PROBE];
  }

  get env(): Record<string, string> {
    return { BENCH_LOOP_DIR: this.dir };
  }

  /** Resets and starts measuring in the processes `pids`; resolves once each of them has. */
  async begin(pids: readonly number[]): Promise<void> {
    this.epoch++;
    writeFileSync(path.join(this.dir, 'control'), `${this.epoch} measure\n`);
    await this.waitFor(pids, (s) => s.measuring);
  }

  /** Stops measuring; resolves with each process's figures. */
  async end(pids: readonly number[]): Promise<LoopSnapshot[]> {
    writeFileSync(path.join(this.dir, 'control'), `${this.epoch} freeze\n`);
    return this.waitFor(pids, (s) => !s.measuring);
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitFor(pids: readonly number[], ok: (s: LoopSnapshot) => boolean, ms = 5000): Promise<LoopSnapshot[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const got = pids.map((pid) => this.read(pid));
      if (got.every((s) => s !== undefined && s.epoch === this.epoch && ok(s))) return got as LoopSnapshot[];
      if (Date.now() > deadline) throw new Error(`the loop probe did not answer in ${ms} ms (pids ${pids.join(',')}, ${this.dir}); run with --no-loop-probe to do without`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private read(pid: number): LoopSnapshot | undefined {
    const file = path.join(this.dir, `${pid}.json`);
    if (!existsSync(file)) return undefined;
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as LoopSnapshot;
    } catch {
      return undefined;
    }
  }
}

/** The worst of the serving processes (the workers; the primary when it serves alone). */
export interface LoopSummary {
  readonly loopMaxMs: number;
  readonly loopP99Ms: number;
  /** The longest synchronous stretch in CPU time (see LoopSnapshot.stretchCpuMaxMs). */
  readonly stretchCpuMaxMs: number;
  /** GC time over measured wall time, the largest of the processes. */
  readonly gcShare: number;
  readonly gcMaxMs: number;
}

export function summarise(snapshots: readonly LoopSnapshot[]): LoopSummary {
  const serving = snapshots.some((s) => s.role === 'worker') ? snapshots.filter((s) => s.role === 'worker') : snapshots;
  const max = (get: (s: LoopSnapshot) => number): number => Math.max(0, ...serving.map(get));
  return {
    loopMaxMs: max((s) => s.loop.maxMs),
    loopP99Ms: max((s) => s.loop.p99Ms),
    stretchCpuMaxMs: max((s) => s.stretchCpuMaxMs),
    gcShare: max((s) => (s.wallMs > 0 ? s.gc.totalMs / s.wallMs : 0)),
    gcMaxMs: max((s) => s.gc.maxMs),
  };
}
