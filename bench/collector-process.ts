// The collector as a child process, for the throughput bench and the integration tests that
// need a whole collector: start it with environment overrides, wait until it serves, read
// its peak memory from /proc, stop it with a signal and get its exit code.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** dist/src/cli.js, from dist/bench. */
export const CLI = path.join(__dirname, '..', 'src', 'cli.js');

export interface StartOptions {
  /** GRACC_* variables (and any other) on top of a clean base: no file sink, no Kafka, AMQP off unless set. */
  readonly env?: Record<string, string>;
  /** Arguments after cli.js (`-c FILE`, …); `-l LOGFILE` is added. */
  readonly args?: readonly string[];
  /** Node options before cli.js (`--cpu-prof`, `--max-old-space-size=…`). */
  readonly nodeArgs?: readonly string[];
  /** Consecutive 200s from /readyz, each on a new connection, before it counts as ready (several workers). */
  readonly readyChecks?: number;
  readonly readyTimeoutMs?: number;
  /** Wait only for /healthz (the sinks may stay unavailable). */
  readonly healthOnly?: boolean;
  readonly cwd?: string;
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface PeakRss {
  /** VmHWM of the collector process and of each of its children (cluster workers), in bytes. */
  readonly processes: readonly { pid: number; bytes: number }[];
  /** Their sum: the whole collector's peak, counted generously (shared pages counted twice). */
  readonly totalBytes: number;
  /** The largest single process. */
  readonly maxBytes: number;
}

export class CollectorProcess {
  readonly exited: Promise<ExitStatus>;
  private status: ExitStatus | undefined;

  constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve((this.status = { code, signal }))));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.status === undefined;
  }

  /** Peak resident memory (VmHWM) of the collector and its worker processes, read now. */
  peakRss(): PeakRss {
    const pids = [this.pid, ...childPids(this.pid)];
    const processes = pids.map((pid) => ({ pid, bytes: statusKb(pid, 'VmHWM') * 1024 })).filter((p) => p.bytes > 0);
    return {
      processes,
      totalBytes: processes.reduce((s, p) => s + p.bytes, 0),
      maxBytes: Math.max(0, ...processes.map((p) => p.bytes)),
    };
  }

  /** CPU time (user + system) used so far by the collector process and its workers, in seconds. */
  cpuSeconds(): number {
    return [this.pid, ...childPids(this.pid)].reduce((sum, pid) => sum + cpuTicks(pid), 0) / CLOCK_TICKS;
  }

  /** The collector's worker processes (empty when it runs as one process). */
  workerPids(): number[] {
    return childPids(this.pid);
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** Deletes the collector's temporary folder (its log); after the exit. */
  removeFiles(): void {
    rmSync(path.dirname(this.logFile), { recursive: true, force: true });
  }

  /** Sends `signal` and waits for the exit; SIGKILL after `timeoutMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<ExitStatus> {
    if (this.status) return this.status;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A TCP port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the collector and resolves once it answers (see StartOptions.readyChecks). */
export async function startCollector(options: StartOptions = {}): Promise<CollectorProcess> {
  const port = Number(options.env?.['GRACC_PORT'] ?? (await freePort()));
  const logFile = path.join(mkdtempSync(path.join(tmpdir(), 'gracc-collector-')), 'collector.log');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('GRACC_')) env[k] = v;
  Object.assign(env, {
    GRACC_ADDRESS: '127.0.0.1',
    GRACC_FILE_ENABLE: 'false',
    GRACC_AMQP_ENABLE: 'false',
    GRACC_AMQP_HOST: '127.0.0.1',
    GRACC_KAFKA_ENABLE: 'false',
    ...options.env,
    GRACC_PORT: String(port),
  });
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, ...(options.args ?? []), '-l', logFile], {
    env,
    cwd: options.cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const collector = new CollectorProcess(child, port, logFile);
  // Never leave a collector behind when this process ends, whatever way it ends.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void collector.exited.then(() => process.off('exit', killOnExit));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  const path_ = options.healthOnly ? '/healthz' : '/readyz';
  let good = 0;
  while (good < (options.readyChecks ?? 1)) {
    if (!collector.running) {
      throw new Error(`the collector exited (${JSON.stringify(await collector.exited)}) before it was ready: ${stderr}${collector.log().slice(-2000)}`);
    }
    if (Date.now() > deadline) {
      await collector.stop('SIGKILL');
      throw new Error(`the collector was not ready within ${options.readyTimeoutMs ?? 20_000} ms: ${stderr}${collector.log().slice(-2000)}`);
    }
    const status = await get(`${collector.url}${path_}`).then((r) => r.status, () => 0);
    // and the collector says it listens (with several workers: once every one of them does)
    if (status === 200 && /"msg":"listening"/.test(collector.log())) good++;
    else {
      good = 0;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return collector;
}

/** A GET on a connection of its own (so that a cluster's workers take turns answering). */
export function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { Connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => (body += s)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${url} timed out`)));
  });
}

/** A field of /proc/PID/status, in kB (0 if the process is gone). */
export function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** USER_HZ: the unit of the CPU times in /proc/PID/stat (100 on Linux, whatever the kernel's HZ). */
const CLOCK_TICKS = 100;

/** utime + stime of a process from /proc/PID/stat, in clock ticks (0 if it is gone). */
export function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/** Processes whose parent is `pid` (from /proc/*\/stat: this kernel has no /proc/PID/task/TID/children). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces and parentheses: read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
