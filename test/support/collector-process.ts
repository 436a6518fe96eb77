// A real gracc-collector (dist/src/cli.js) as a child process, for the integration tests and
// the throughput bench: started with a config text and/or GRACC_* environment variables, on a
// free port, its bunyan log lines (on stdout, or in a log file) parsed as they come; small HTTP
// helpers to talk to it; its peak memory and CPU time (with its cluster workers) from /proc.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { childPids, cpuSeconds, peakRss, type PeakRss } from './process-stats';

/** The compiled CLI (this file runs from dist/test/support/). */
export const CLI = path.resolve(__dirname, '../../src/cli.js');

export interface CollectorOptions {
  /** TOML text, written to a temporary file and given with `-c`; without it the collector runs its no-file defaults. */
  readonly config?: string;
  /**
   * GRACC_* variables (and any other) for the child. The parent's GRACC_* variables are not
   * passed on. GRACC_PORT defaults to 0 (a free port) and GRACC_ADDRESS to 127.0.0.1. Without
   * `config`, every sink is off unless `env` enables it (GRACC_FILE_ENABLE, GRACC_AMQP_ENABLE
   * and GRACC_KAFKA_ENABLE default to false, GRACC_AMQP_HOST to 127.0.0.1); with `config`, the
   * config text says which sinks.
   */
  readonly env?: Readonly<Record<string, string>>;
  /** More command-line arguments (after `-c FILE -l TARGET`). */
  readonly args?: readonly string[];
  /** Node options before cli.js (`--cpu-prof`, `--max-old-space-size=…`). */
  readonly nodeArgs?: readonly string[];
  /**
   * Log to the file `logFile` in the temporary folder instead of stdout (default false); its
   * lines are read into `logs` as they come, across a rotation (rename + SIGHUP) too.
   */
  readonly logToFile?: boolean;
  /** Wait for `/readyz` to answer 200 before returning (default true). */
  readonly waitReady?: boolean;
  /**
   * Consecutive 200s from /readyz, each on a new connection, before it counts as ready
   * (default 1; more, with several workers, to hear from each of them). Also for later `waitReady()`s.
   */
  readonly readyChecks?: number;
  /** Time limit to start (and get ready), ms; default 20000. */
  readonly startTimeoutMs?: number;
  /** Echo the collector's output to the test's stderr (default: env GRACC_TEST_ECHO=1). */
  readonly echo?: boolean;
}

/** One bunyan line of the collector's log. */
export interface LogLine {
  readonly msg: string;
  readonly level: number;
  readonly time: string;
  readonly [field: string]: unknown;
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** From sending the request to the whole answer read, ms. */
  readonly ms: number;
}

export interface PostOptions {
  /** Default `/gratia-servlets/rmi`. */
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export const RMI = '/gratia-servlets/rmi';

/** The fields of a Gratia request as the form body probes send. */
export function formBody(fields: Readonly<Record<string, string>>): string {
  return new URLSearchParams(fields as Record<string, string>).toString();
}

/** A started collector. Always `close()` it (in `after`/`finally`). */
export class CollectorProcess {
  /** Every log line so far (lines that are not JSON are kept as `{ msg: text, level: -1 }`). */
  readonly logs: LogLine[] = [];
  stderr = '';
  port = 0;
  /** The HTTPS port, with `[tls] enable`; 0 otherwise. */
  httpsPort = 0;
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  /** The log file (with `logToFile`), else undefined. */
  readonly logFile: string | undefined;
  /** The config file given with `-c` (with `config`), else undefined: rewrite it, then `signal('SIGHUP')`. */
  readonly configFile: string | undefined;

  private readonly child: ChildProcess;
  private readonly dir: string;
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  private readonly waiters = new Set<() => void>();
  private readonly readyChecks: number;
  private readonly echo: boolean;
  private tail_: { fd: number; offset: number; partial: Buffer; timer: NodeJS.Timeout } | undefined;

  private constructor(options: CollectorOptions) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'gracc-it-'));
    this.readyChecks = Math.max(1, options.readyChecks ?? 1);
    this.echo = options.echo ?? process.env['GRACC_TEST_ECHO'] === '1';
    const args = [...(options.nodeArgs ?? []), CLI];
    this.configFile = options.config === undefined ? undefined : path.join(this.dir, 'collector.toml');
    if (this.configFile !== undefined) {
      writeFileSync(this.configFile, options.config!);
      args.push('-c', this.configFile);
    }
    this.logFile = options.logToFile ? path.join(this.dir, 'collector.log') : undefined;
    args.push('-l', this.logFile ?? 'stdout', ...(options.args ?? []));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('GRACC_')) env[k] = v;
    Object.assign(
      env,
      { GRACC_PORT: '0', GRACC_ADDRESS: '127.0.0.1' },
      options.config === undefined
        ? { GRACC_FILE_ENABLE: 'false', GRACC_AMQP_ENABLE: 'false', GRACC_AMQP_HOST: '127.0.0.1', GRACC_KAFKA_ENABLE: 'false' }
        : {},
      options.env,
    );
    // cwd: the temporary folder, where a file sink with a relative path writes
    this.child = spawn(process.execPath, args, { cwd: this.dir, env, stdio: ['ignore', this.logFile ? 'ignore' : 'pipe', 'pipe'] });
    if (this.logFile) {
      this.tail_ = { fd: -1, offset: 0, partial: Buffer.alloc(0), timer: setInterval(() => this.readLogFile(), 25) };
      this.tail_.timer.unref();
    } else {
      createInterface({ input: this.child.stdout! }).on('line', (text) => this.addLine(text));
    }
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
      if (this.echo) process.stderr.write(`[collector ${this.child.pid} stderr] ${text}`);
    });
    // Never leave a collector behind when this process ends, whatever way it ends.
    const killOnExit = (): void => void this.child.kill('SIGKILL');
    process.once('exit', killOnExit);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        process.off('exit', killOnExit);
        this.stopTail();
        this.exit = { code, signal };
        for (const wake of [...this.waiters]) wake();
        resolve(this.exit);
      }));
  }

  private addLine(text: string): void {
    if (this.echo) process.stderr.write(`[collector ${this.child.pid}] ${text}\n`);
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { msg: text, level: -1, time: new Date().toISOString() };
    }
    this.logs.push(line);
    for (const wake of [...this.waiters]) wake();
  }

  /**
   * Reads what the log file got since the last look. After a rotation (another file at the
   * path), the old file is read to its end before the new one.
   */
  private readLogFile(): void {
    const t = this.tail_;
    if (!t || !this.logFile) return;
    for (;;) {
      if (t.fd < 0) {
        try {
          t.fd = openSync(this.logFile, 'r');
        } catch {
          return; // not created yet
        }
        t.offset = 0;
        t.partial = Buffer.alloc(0);
      }
      const chunk = Buffer.alloc(64 * 1024);
      let n: number;
      while ((n = readSync(t.fd, chunk, 0, chunk.length, t.offset)) > 0) {
        t.offset += n;
        const data = Buffer.concat([t.partial, chunk.subarray(0, n)]);
        let start = 0;
        for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10, start)) {
          this.addLine(data.subarray(start, nl).toString('utf8'));
          start = nl + 1;
        }
        t.partial = Buffer.from(data.subarray(start));
      }
      let rotated: boolean;
      try {
        rotated = statSync(this.logFile).ino !== fstatSync(t.fd).ino;
      } catch {
        rotated = true; // renamed away, the new one not there yet
      }
      if (!rotated) return;
      closeSync(t.fd);
      t.fd = -1;
    }
  }

  private stopTail(): void {
    const t = this.tail_;
    if (!t) return;
    this.readLogFile();
    clearInterval(t.timer);
    if (t.fd >= 0) closeSync(t.fd);
    this.tail_ = undefined;
  }

  /** Starts a collector and waits for its 'listening' line (and, unless told otherwise, for /readyz 200). */
  static async start(options: CollectorOptions = {}): Promise<CollectorProcess> {
    const c = new CollectorProcess(options);
    const limit = options.startTimeoutMs ?? 20_000;
    try {
      const listening = await c.waitForLog((l) => l.msg === 'listening', limit);
      c.port = Number(listening['port'] ?? 0);
      c.httpsPort = Number(listening['httpsPort'] ?? 0);
      if (!(c.port > 0) && !(c.httpsPort > 0)) throw new Error(`no port in the 'listening' line: ${JSON.stringify(listening)}`);
      if (options.waitReady ?? true) await c.waitReady(limit);
    } catch (e) {
      await c.close();
      throw e;
    }
    return c;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** True until the process exits. */
  get running(): boolean {
    return this.exit === undefined;
  }

  /** `http://127.0.0.1:PORT` followed by `p`. */
  url(p = ''): string {
    return `http://127.0.0.1:${this.port}${p}`;
  }

  /** The whole log as text: with `logToFile`, the file as it is now (after a rotation, the new one only). */
  logText(): string {
    if (!this.logFile) return this.logs.map((l) => JSON.stringify(l)).join('\n');
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** The collector's worker processes (empty when it runs as one process). */
  workerPids(): number[] {
    return childPids(this.pid);
  }

  /** Peak resident memory (VmHWM) of the collector and its worker processes, read now. */
  peakRss(): PeakRss {
    return peakRss(this.pid);
  }

  /** CPU time (user + system) used so far by the collector process and its workers, in seconds. */
  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  /** Resolves with the first log line (already seen or to come) that passes `test`. */
  waitForLog(test: (line: LogLine) => boolean, ms = 10_000, from = 0): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const look = () => {
        const hit = this.logs.slice(from).find(test);
        if (hit) return done(() => resolve(hit));
        if (this.exit) return done(() => reject(new Error(`the collector exited (${JSON.stringify(this.exit)}) first; stderr: ${this.stderr.slice(-2000)}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no such log line within ${ms} ms; last lines:\n${this.tail(10)}`))), ms);
      const done = (then: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(look);
        then();
      };
      this.waiters.add(look);
      look();
    });
  }

  /** The last n log lines, as text, for failure messages. */
  tail(n = 20): string {
    return this.logs.slice(-n).map((l) => JSON.stringify(l)).join('\n');
  }

  /**
   * How many processes answer requests: the `workers` of the 'listening' line when the
   * collector runs as a cluster (workers > 1), else 1.
   */
  get workers(): number {
    const listening = this.logs.find((l) => l.msg === 'listening');
    const n = Number(listening?.['workers'] ?? 1);
    return n > 0 ? n : 1;
  }

  /**
   * Each serving process's sinks, by pid, as its log says now (from its 'sink ready' and
   * 'sink unavailable' lines): sink name → null when ready, else the reason.
   */
  sinkStates(from = 0): Map<number, Map<string, string | null>> {
    const states = new Map<number, Map<string, string | null>>();
    for (const l of this.logs.slice(from)) {
      if (l.msg !== 'sink ready' && l.msg !== 'sink unavailable') continue;
      const pid = Number(l['pid']);
      let sinks = states.get(pid);
      if (!sinks) states.set(pid, (sinks = new Map()));
      sinks.set(String(l['sink']), l.msg === 'sink ready' ? null : String(l['reason'] ?? 'unavailable'));
    }
    return states;
  }

  /** True when every serving process (all `workers` of them) logged every one of its sinks ready. */
  allSinksReady(): boolean {
    const states = this.sinkStates();
    if (states.size < this.workers) return false;
    for (const sinks of states.values()) for (const why of sinks.values()) if (why !== null) return false;
    return true;
  }

  /**
   * Waits until /readyz answers 200 (`readyChecks` times in a row, each on a new connection)
   * and, with several workers (each with its own broker connections, /readyz answered by
   * whichever gets the request), every worker logged its sinks ready.
   */
  async waitReady(ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    let last: HttpAnswer | undefined;
    let good = 0;
    while (Date.now() < deadline) {
      if (this.exit) throw new Error(`the collector exited (${JSON.stringify(this.exit)}); stderr: ${this.stderr.slice(-2000)}; last lines:\n${this.tail(10)}`);
      last = await this.getFresh('/readyz').catch(() => undefined);
      if (last?.status === 200 && (this.workers === 1 || this.allSinksReady())) {
        if (++good >= this.readyChecks) return;
        continue;
      }
      good = 0;
      await sleep(50);
    }
    throw new Error(`not ready within ${ms} ms: /readyz ${last ? `${last.status} ${last.body}` : 'no answer'}; sinks ${JSON.stringify([...this.sinkStates()].map(([pid, s]) => [pid, [...s]]))}`);
  }

  get(p: string, headers: Readonly<Record<string, string>> = {}): Promise<HttpAnswer> {
    return httpRequest(this.url(p), { method: 'GET', headers, dispatcher: this.agent });
  }

  /** A GET on a connection of its own (`Connection: close`: a cluster's workers take turns answering). */
  getFresh(p: string, headers: Readonly<Record<string, string>> = {}): Promise<HttpAnswer> {
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.get(this.url(p), { agent: false, headers: { ...headers, connection: 'close' } }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (s: string) => (body += s));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, ms: performance.now() - t0 }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error(`GET ${p} timed out`)));
    });
  }

  /** POSTs a Gratia form (`command`, `from`, `bundlesize`, `arg1`, …). */
  post(fields: Readonly<Record<string, string>>, options: PostOptions = {}): Promise<HttpAnswer> {
    return this.postBody(formBody(fields), options);
  }

  /** POSTs a body as is (a stream goes chunked), as application/x-www-form-urlencoded. */
  postBody(body: string | Buffer | Readable, options: PostOptions = {}): Promise<HttpAnswer> {
    return httpRequest(this.url(options.path ?? RMI), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
      body,
      dispatcher: this.agent,
    });
  }

  /**
   * POSTs a Gratia form on a connection of its own (`Connection: close`; with several
   * workers, successive connections go to different ones). Resolves with the answer, or
   * with the connection error (refused, reset, …) instead of rejecting.
   */
  postFresh(fields: Readonly<Record<string, string>>, options: PostOptions = {}): Promise<HttpAnswer | { error: string; ms: number }> {
    return rawPost(this.port, options.path ?? RMI, Buffer.from(formBody(fields)), { ...options.headers, connection: 'close' });
  }

  /**
   * POSTs a Gratia form on a connection of its own, sending the first half of the body at
   * once and the rest when `rest` resolves: a request surely in flight meanwhile.
   */
  postInTwoHalves(fields: Readonly<Record<string, string>>, rest: Promise<void>, options: PostOptions = {}): Promise<HttpAnswer | { error: string; ms: number }> {
    return rawPost(this.port, options.path ?? RMI, Buffer.from(formBody(fields)), options.headers ?? {}, rest);
  }

  /** Sends a signal to the collector (its primary, with workers) and returns at once. */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Sends a signal (default SIGTERM) and waits for the exit; SIGKILL after `ms`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', ms = 20_000): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Stops the process if it still runs (with `signal`, default SIGTERM; SIGKILL after 5 s),
   * closes the HTTP client, removes the temporary folder (config, log file) unless `keepFiles`.
   */
  async close(options: { signal?: NodeJS.Signals; keepFiles?: boolean } = {}): Promise<void> {
    if (!this.exit && this.child.exitCode === null) await this.stop(options.signal ?? 'SIGTERM', 5000);
    this.stopTail();
    await this.agent.close().catch(() => {});
    if (!options.keepFiles) rmSync(this.dir, { recursive: true, force: true });
  }
}

function rawPost(
  port: number,
  p: string,
  body: Buffer,
  headers: Readonly<Record<string, string>>,
  rest?: Promise<void>,
): Promise<HttpAnswer | { error: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const fail = (e: NodeJS.ErrnoException) => resolve({ error: `${e.code ?? ''} ${e.message}`.trim(), ms: performance.now() - t0 });
    const req = http.request(
      {
        host: '127.0.0.1', port, method: 'POST', path: p, agent: false,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length, ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers, ms: performance.now() - t0 }));
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    if (rest === undefined) {
      req.end(body);
    } else {
      const half = body.length >> 1;
      req.flushHeaders();
      req.write(body.subarray(0, half));
      void rest.then(() => req.end(body.subarray(half)));
    }
  });
}

async function httpRequest(
  url: string,
  options: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string | Buffer | Readable; dispatcher: Agent },
): Promise<HttpAnswer> {
  const t0 = performance.now();
  const res = await request(url, options);
  const body = await res.body.text();
  return { status: res.statusCode, body, headers: res.headers, ms: performance.now() - t0 };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value, or throws after `ms`. */
export async function waitUntil<T>(check: () => T | Promise<T>, ms = 10_000, what = 'the condition', every = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(every);
  }
}
