// The load generator: POSTs form bodies to the collector from `concurrency` loops over an
// undici pool of as many kept-alive connections, and times each bundle from the first byte
// sent to the last byte of the answer.
import { Pool } from 'undici';

export interface LoadResult {
  readonly requests: number;
  readonly bytes: number;
  readonly seconds: number;
  /** Per request, milliseconds, sorted. */
  readonly latenciesMs: readonly number[];
  /** Answers other than 200 OK, by "status body". */
  readonly failures: ReadonlyMap<string, number>;
  /** This process's CPU time (user + system) meanwhile, seconds: the load generator's cost. */
  readonly cpuSeconds: number;
}

export interface LoadOptions {
  /** Base URL of the collector, http://host:port. */
  readonly url: string;
  readonly path?: string;
  /** Form bodies to send, cycled through. */
  readonly bodies: readonly Buffer[];
  readonly requests: number;
  readonly concurrency: number;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export async function postBundles(options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(options.url, { connections: options.concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const path = options.path ?? '/gratia-servlets/rmi';
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  let next = 0;
  let bytes = 0;
  const loop = async (): Promise<void> => {
    while (next < options.requests) {
      const body = options.bodies[next++ % options.bodies.length]!;
      const t0 = process.hrtime.bigint();
      let outcome: string;
      try {
        const res = await pool.request({ path, method: 'POST', headers: FORM, body });
        const text = await res.body.text();
        outcome = res.statusCode === 200 && text === 'OK' ? '' : `${res.statusCode} ${text.slice(0, 120)}`;
      } catch (e) {
        outcome = `error ${(e as Error).message}`;
      }
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      bytes += body.length;
      if (outcome !== '') failures.set(outcome, (failures.get(outcome) ?? 0) + 1);
    }
  };
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  try {
    await Promise.all(Array.from({ length: options.concurrency }, loop));
  } finally {
    await pool.close();
  }
  const cpu = process.cpuUsage(cpu0);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { requests: latencies.length, bytes, seconds, latenciesMs: latencies.sort((a, b) => a - b), failures, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** The p-th percentile (0–100) of sorted values, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** A Gratia request body: the fields urlencoded as probes send them. */
export function formBody(fields: Record<string, string>): Buffer {
  return Buffer.from(new URLSearchParams(fields).toString());
}
