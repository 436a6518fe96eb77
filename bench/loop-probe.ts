// Bench-only preload (`node --require dist/bench/loop-probe.js`, inherited by the cluster's
// workers through execArgv): each collector process measures its event loop's delay
// (perf_hooks.monitorEventLoopDelay: its max is the longest synchronous stretch, within the
// timer's resolution) and its garbage-collection pauses, and writes what it saw to
// BENCH_LOOP_DIR/PID.json. Nothing of the collector's own code changes.
//
// The bench steers it through BENCH_LOOP_DIR/control, a line `EPOCH measure` or `EPOCH
// freeze`: a new epoch resets the figures and starts measuring; freeze stops (so the idle
// time after a phase and the shutdown do not count). Without BENCH_LOOP_DIR it does nothing.
import cluster from 'node:cluster';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

/** What one process wrote. Times in ms. */
export interface LoopSnapshot {
  readonly pid: number;
  readonly role: 'primary' | 'worker';
  readonly epoch: number;
  readonly measuring: boolean;
  readonly loop: { readonly maxMs: number; readonly p99Ms: number; readonly p50Ms: number; readonly meanMs: number; readonly samples: number };
  /**
   * The most CPU time the process used between two ticks of a 5 ms timer, ms: the longest
   * synchronous stretch counted in CPU time, so without the time the machine's other
   * tenants held the core meanwhile (which the delay's max includes).
   */
  readonly stretchCpuMaxMs: number;
  readonly gc: { readonly count: number; readonly totalMs: number; readonly maxMs: number; readonly byKind: Readonly<Record<string, { count: number; totalMs: number; maxMs: number }>> };
  /** Wall time measured, ms: the GC share is gc.totalMs / wallMs. */
  readonly wallMs: number;
  /**
   * The largest sizes seen while measuring (sampled every MEMORY_EVERY_MS), MiB: the
   * resident set, the V8 heap's committed size space by space, and the memory outside the
   * heap (Buffers, ArrayBuffers). Where a process's peak RSS comes from.
   */
  readonly memoryMaxMiB: Readonly<Record<string, number>>;
}

/** The timer's resolution, ms: a stall shows as a delay within this much of its length. */
export const LOOP_RESOLUTION_MS = 5;

/** How often the memory figures are sampled, ms. */
const MEMORY_EVERY_MS = 50;

const GC_KINDS: Readonly<Record<number, string>> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };

function start(dir: string): void {
  const histogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  const gc = { count: 0, totalMs: 0, maxMs: 0, byKind: {} as Record<string, { count: number; totalMs: number; maxMs: number }> };
  let epoch = -1;
  let measuring = false;
  let since = performance.now();
  let wallMs = 0;
  let stretchCpuMaxMs = 0;
  let lastCpu = 0;
  const cpuNow = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const tick = setInterval(() => {
    const now = cpuNow();
    if (measuring) stretchCpuMaxMs = Math.max(stretchCpuMaxMs, now - lastCpu);
    lastCpu = now;
  }, LOOP_RESOLUTION_MS);
  tick.unref();

  new PerformanceObserver((list) => {
    if (!measuring) return;
    for (const e of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      const kind = GC_KINDS[e.detail?.kind ?? 0] ?? 'other';
      const k = (gc.byKind[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
      gc.count++, k.count++;
      gc.totalMs += e.duration, k.totalMs += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration), k.maxMs = Math.max(k.maxMs, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });

  let memoryMaxMiB: Record<string, number> = {};
  const sampleMemory = (): void => {
    if (!measuring) return;
    const peak = (name: string, bytes: number): void => {
      memoryMaxMiB[name] = Math.max(memoryMaxMiB[name] ?? 0, bytes / 2 ** 20);
    };
    const m = process.memoryUsage();
    peak('rss', m.rss);
    peak('heap', m.heapTotal);
    peak('heapUsed', m.heapUsed);
    peak('external', m.external);
    peak('arrayBuffers', m.arrayBuffers);
    for (const space of getHeapSpaceStatistics()) peak(space.space_name.replace(/_space$/, ''), space.space_size);
  };
  setInterval(sampleMemory, MEMORY_EVERY_MS).unref();

  const file = path.join(dir, `${process.pid}.json`);
  const write = (): void => {
    const ms = (ns: number): number => (Number.isFinite(ns) ? ns / 1e6 : 0);
    const snapshot: LoopSnapshot = {
      pid: process.pid, role: cluster.isPrimary ? 'primary' : 'worker', epoch, measuring,
      loop: { maxMs: ms(histogram.max), p99Ms: ms(histogram.percentile(99)), p50Ms: ms(histogram.percentile(50)), meanMs: ms(histogram.mean), samples: histogram.count },
      stretchCpuMaxMs, gc, wallMs: measuring ? wallMs + performance.now() - since : wallMs, memoryMaxMiB,
    };
    writeFileSync(`${file}.tmp`, JSON.stringify(snapshot));
    renameSync(`${file}.tmp`, file);
  };
  const look = (): void => {
    let line: string;
    try {
      line = readFileSync(path.join(dir, 'control'), 'utf8').trim();
    } catch {
      return;
    }
    const [e, what] = line.split(' ');
    const next = Number(e);
    if (next !== epoch) {
      if (measuring) histogram.disable();
      epoch = next;
      histogram.reset();
      Object.assign(gc, { count: 0, totalMs: 0, maxMs: 0, byKind: {} });
      wallMs = 0;
      stretchCpuMaxMs = 0;
      memoryMaxMiB = {};
      measuring = false;
    }
    // Written on each change only: a write and a rename every look would cost the process
    // a few per cent of its time on a busy machine.
    if (what === 'measure' && !measuring) {
      histogram.enable();
      since = performance.now();
      lastCpu = cpuNow();
      measuring = true;
      write();
    } else if (what === 'freeze' && measuring) {
      histogram.disable();
      wallMs += performance.now() - since;
      measuring = false;
      write();
    }
  };
  setInterval(look, 100).unref();
}

const dir = process.env['BENCH_LOOP_DIR'];
if (dir) start(dir);
