// The collector with several workers (node:cluster), as a child process: every worker
// serves, /stats and /metrics add up all of them, a worker that dies is replaced, and
// SIGTERM drains the bundles in flight and exits 0. Sinks: the file sink only.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { envelopeOf, sampleRecords } from '../../bench/sample-records';
import { CollectorProcess } from '../support/collector-process';

/** A POST on a connection of its own, so that the cluster's workers take turns. */
function post(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/gratia-servlets/rmi`, {
      method: 'POST', agent: false,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body), Connection: 'close' },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (s: string) => (text += s)).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();
const RECORDS_PER_BUNDLE = 3;
const bundle = (i: number): string =>
  form({ command: 'multiupdate', from: 'workers-test', arg1: envelopeOf(sampleRecords(RECORDS_PER_BUNDLE, `workers-${i}`)) });

/** Pids of the log's 'request' lines. */
function requestPids(collector: CollectorProcess): Set<number> {
  const pids = new Set<number>();
  for (const line of collector.logText().split('\n')) {
    if (!line.includes('"msg":"request"')) continue;
    pids.add((JSON.parse(line) as { pid: number }).pid);
  }
  return pids;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('several workers', { timeout: 60_000 }, () => {
  let collector: CollectorProcess;
  let recordsFile: string;

  before(async () => {
    recordsFile = path.join(mkdtempSync(path.join(tmpdir(), 'gracc-workers-')), 'records.ndjson');
    collector = await CollectorProcess.start({
      env: { GRACC_WORKERS: '2', GRACC_FILE_ENABLE: 'true', GRACC_FILE_PATH: recordsFile, GRACC_FILE_FORMAT: 'json' },
      logToFile: true,
      readyChecks: 4,
    });
  });

  after(async () => {
    await collector?.close({ signal: 'SIGKILL' });
    rmSync(path.dirname(recordsFile), { recursive: true, force: true });
  });

  it('runs two worker processes under the primary, each with the workers\' garbage-collector settings', () => {
    const workers = collector.workerPids();
    assert.equal(workers.length, 2);
    for (const pid of workers) {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      for (const option of ['--single-threaded-gc', '--max-semi-space-size=16']) assert.ok(args.includes(option), `worker ${pid}: ${args.join(' ')}`);
    }
  });

  it('every worker answers, and /stats and /metrics count the requests of both', async () => {
    const before = JSON.parse((await collector.getFresh('/stats')).body) as Record<string, number>;
    const N = 12;
    const answers = await Promise.all(Array.from({ length: N }, (_, i) => post(collector.url(), bundle(i))));
    assert.deepEqual(answers.map((a) => `${a.status} ${a.body}`), Array(N).fill('200 OK'));
    const pings = 4;
    for (let i = 0; i < pings; i++) assert.equal((await post(collector.url(), form({ command: 'update', arg1: 'xxx' }))).body, 'OK');

    const workers = collector.workerPids();
    const served = requestPids(collector);
    assert.deepEqual([...served].sort(), [...workers].sort(), 'requests were answered by both workers');

    // Asked several times on new connections (so of both workers), the same whole-collector figures.
    for (let i = 0; i < 4; i++) {
      const stats = JSON.parse((await collector.getFresh('/stats')).body) as Record<string, number>;
      assert.equal(stats['Requests']! - before['Requests']!, N + pings);
      assert.equal(stats['Records']! - before['Records']!, N * RECORDS_PER_BUNDLE);
      assert.equal(stats['Handshakes']! - before['Handshakes']!, pings);
      assert.equal(stats['RequestErrors'], 0);
    }
    const metrics = (await collector.getFresh('/metrics')).body;
    assert.match(metrics, new RegExp(`^gracc_records_total ${before['Records']! + N * RECORDS_PER_BUNDLE}$`, 'm'));
    assert.match(metrics, new RegExp(`^gracc_requests_total\\{status="200"\\} ${before['Requests']! + N + pings}$`, 'm'));
    // each worker published to the file with its own sink
    assert.equal(readFileSync(recordsFile, 'utf8').trim().split('\n').length, N * RECORDS_PER_BUNDLE);
  });

  it('connections opened together are split evenly between the workers, and each stays with its worker', async () => {
    // eight kept-alive connections (an agent of one socket each), a bundle on each at once, then another
    const agents = Array.from({ length: 8 }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    const postOn = (agent: http.Agent, from: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const body = form({ command: 'multiupdate', from, arg1: envelopeOf(sampleRecords(1, from)) });
        const req = http.request(`${collector.url()}/gratia-servlets/rmi`, {
          method: 'POST', agent, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
        }, (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0)));
        req.on('error', reject);
        req.end(body);
      });
    try {
      for (let round = 0; round < 2; round++) {
        assert.deepEqual(await Promise.all(agents.map((a, i) => postOn(a, `keepalive-${i}`))), Array(8).fill(200));
      }
    } finally {
      for (const a of agents) a.destroy();
    }
    const pidsByConnection = new Map<string, Set<number>>();
    for (const line of collector.logText().split('\n')) {
      if (!line.includes('"from":"keepalive-')) continue;
      const { from, pid } = JSON.parse(line) as { from: string; pid: number };
      pidsByConnection.set(from, (pidsByConnection.get(from) ?? new Set()).add(pid));
    }
    assert.equal(pidsByConnection.size, 8);
    const perWorker = new Map<number, number>();
    for (const [from, pids] of pidsByConnection) {
      assert.equal(pids.size, 1, `${from}: both requests on its connection went to one worker`);
      const [pid] = pids;
      perWorker.set(pid!, (perWorker.get(pid!) ?? 0) + 1);
    }
    assert.deepEqual([...perWorker.values()], [4, 4]);
  });

  it('SIGUSR2 and SIGHUP to the primary act once in every worker; sent to a worker directly, they are ignored', async () => {
    const workers = collector.workerPids();
    const levelChanges = (): { pid: number; logLevel: string }[] =>
      collector.logText().split('\n').filter((l) => l.includes('"msg":"log level changed"')).map((l) => JSON.parse(l) as { pid: number; logLevel: string });
    process.kill(workers[0]!, 'SIGUSR2'); // ignored: the primary decides
    process.kill(collector.pid, 'SIGUSR2');
    const changes = await until('every process to switch to debug', () => {
      const c = levelChanges();
      return c.length >= 3 ? c : undefined;
    });
    await new Promise((r) => setTimeout(r, 300)); // a second toggle, if any, would show by now
    assert.deepEqual(levelChanges().map((c) => `${c.pid} ${c.logLevel}`).sort(), [collector.pid, ...workers].map((p) => `${p} debug`).sort());
    assert.equal(changes.length, 3);
    process.kill(collector.pid, 'SIGUSR2'); // back to info
    await until('every process to switch back', () => (levelChanges().length === 6 ? true : undefined));

    // SIGHUP: every process reopens the log file, so after a rotation the workers write to the new one.
    const logFile = collector.logFile!;
    renameSync(logFile, `${logFile}.1`);
    process.kill(collector.pid, 'SIGHUP');
    await until('the workers to log to the new file', async () => {
      await post(collector.url(), form({ command: 'update', arg1: 'xxx' }));
      return new Set(requestPids(collector)).size === 2 ? true : undefined;
    });
    assert.ok(collector.running);
  });

  it('replaces a worker that dies, and goes on serving', async () => {
    const [victim, survivor] = collector.workerPids();
    process.kill(victim!, 'SIGKILL');
    const replacement = await until('a new worker', () => collector.workerPids().find((p) => p !== victim && p !== survivor));
    // the new worker serves: keep asking on new connections until it has answered one
    await until('the new worker to answer', async () => {
      assert.equal((await post(collector.url(), form({ command: 'update', arg1: 'xxx' }))).body, 'OK');
      return requestPids(collector).has(replacement) ? true : undefined;
    });
    assert.equal(collector.workerPids().length, 2);
    assert.match(collector.logText(), /a worker died: starting another/);
  });

  it('SIGTERM: the bundle in flight is answered, then every process exits and the collector exits 0', async () => {
    const workers = collector.workerPids();
    const body = bundle(999);
    // Half a bundle now, the rest after SIGTERM: the worker holding it must finish it.
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(collector.url('/gratia-servlets/rmi'), {
        method: 'POST', agent: false,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (s: string) => (text += s)).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 1000));
      setTimeout(() => {
        void collector.stop('SIGTERM');
        setTimeout(() => req.end(body.slice(1000)), 500);
      }, 300);
    });
    assert.deepEqual(await answer, { status: 200, body: 'OK' });
    const exit = await collector.exited;
    assert.deepEqual(exit, { code: 0, signal: null });
    for (const pid of workers) assert.throws(() => process.kill(pid, 0), 'worker process is gone');
    assert.match(collector.logText(), /"msg":"stopped"/);
  });
});
