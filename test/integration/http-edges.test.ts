// The HTTP edge against a real collector process (file sink, no broker), with short
// configured limits: slow and silent clients are timed out (a rate floor, not a total),
// connections past maxConnections are refused, SIGTERM stops within drainTimeout even with
// a stalled upload, clients that went away are counted as 499 (not 5xx), and the protocol
// edges of the earlier collectors: the first value of a field wins, only POST publishes,
// answers carry Content-Length. Talks raw TCP where the framing itself is under test.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { envelopeOf, sampleRecords } from '../../bench/sample-records';
import { CollectorProcess, formBody, RMI, sleep, waitUntil } from '../support/collector-process';

/** One HTTP answer read off a raw socket. */
interface RawAnswer {
  readonly status: number;
  readonly head: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

/**
 * A TCP connection to the collector that writes what it is given and reads answers framed
 * by Content-Length (an answer without one fails the read: the collector must send it).
 */
class RawConnection {
  readonly socket: net.Socket;
  /** Resolves when the collector (or the test) closed the connection, with ms since it was opened. */
  readonly closed: Promise<number>;
  private buffered = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private readonly opened = performance.now();
  private ended = false;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      this.wake?.();
    });
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) => this.socket.once('close', () => {
      this.ended = true;
      this.wake?.();
      resolve(performance.now() - this.opened);
    }));
  }

  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.socket.connecting) return resolve();
      this.socket.once('connect', () => resolve()).once('error', reject);
    });
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** The next whole answer; rejects if the connection closes first or after `ms`. */
  async answer(ms = 10_000): Promise<RawAnswer> {
    const deadline = performance.now() + ms;
    for (;;) {
      const end = this.buffered.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = this.buffered.subarray(0, end).toString('latin1');
        const headers = new Map<string, string>();
        for (const line of head.split('\r\n').slice(1)) {
          const colon = line.indexOf(':');
          headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
        }
        const length = headers.get('content-length');
        if (length === undefined) throw new Error(`an answer without Content-Length:\n${head}`);
        if (this.buffered.length >= end + 4 + Number(length)) {
          const body = this.buffered.subarray(end + 4, end + 4 + Number(length)).toString('utf8');
          this.buffered = this.buffered.subarray(end + 4 + Number(length));
          return { status: Number(head.split(' ')[1]), head, headers, body };
        }
      }
      if (this.ended) throw new Error(`the connection closed before a whole answer (${JSON.stringify(this.buffered.toString('latin1'))})`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error('no answer in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** True once the connection is closed. */
  get isClosed(): boolean {
    return this.ended;
  }

  close(): void {
    this.socket.destroy();
  }
}

const FORM = 'application/x-www-form-urlencoded';

/** A request's head (keep-alive unless `close`). */
function head(method: string, target: string, headers: Record<string, string | number>): string {
  return `${method} ${target} HTTP/1.1\r\nHost: collector\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

function postText(body: string, target = RMI, extra: Record<string, string | number> = {}): string {
  return head('POST', target, { 'Content-Type': FORM, 'Content-Length': Buffer.byteLength(body), ...extra }) + body;
}

/** A multiupdate body whose records' ids carry `tag`, padded with more records up to `minBytes`. */
function bundle(tag: string, minBytes = 0): string {
  for (let n = 1; ; n++) {
    const body = formBody({ command: 'multiupdate', from: 'http-edges', arg1: envelopeOf(sampleRecords(n, tag)) });
    if (body.length >= minBytes) return body;
  }
}

/** Sends `body` on `c` in pieces of `size` bytes, `everyMs` apart. */
async function trickle(c: RawConnection, body: Buffer, size: number, everyMs: number): Promise<void> {
  for (let i = 0; i < body.length && !c.isClosed; i += size) {
    c.write(body.subarray(i, i + size));
    await sleep(everyMs);
  }
}

/** A counter's value in the /metrics text (0 when absent). */
function counter(metrics: string, name: string, labels = ''): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

describe('slow and silent clients (2 workers, idleTimeout 2s, minBodyRate 1KiB)', { timeout: 60_000 }, () => {
  let collector: CollectorProcess;
  before(async () => {
    collector = await CollectorProcess.start({
      env: { GRACC_WORKERS: '2', GRACC_FILE_ENABLE: 'true', GRACC_IDLETIMEOUT: '2s', GRACC_MINBODYRATE: '1KiB' },
      readyChecks: 2,
    });
  });
  after(() => collector.close());

  it('cuts a body sent at 1 byte a second (408) within its first window, while a slow body above the floor gets OK', async () => {
    const trickler = new RawConnection(collector.port);
    const slow = new RawConnection(collector.port);
    await Promise.all([trickler.connected(), slow.connected()]);
    const body = Buffer.from(bundle('slow-ok', 12 * 1024));
    // about 4 KiB/s (4x the floor), over more than one 2 s window
    const piece = Math.ceil(body.length / 60);
    trickler.write(head('POST', RMI, { 'Content-Type': FORM, 'Content-Length': 200 }));
    slow.write(head('POST', RMI, { 'Content-Type': FORM, 'Content-Length': body.length }));
    const t0 = performance.now();
    void trickle(trickler, Buffer.from('command=multiupdate&from=x&arg1='.padEnd(200, 'x')), 1, 1000);
    const slowSent = trickle(slow, body, piece, 50);
    const cut = await trickler.answer(8_000);
    const cutAfter = performance.now() - t0;
    assert.equal(cut.status, 408, cut.body);
    assert.match(cut.body, /^Error: body slower than 1024 bytes\/s/);
    assert.ok(cutAfter > 1_500 && cutAfter < 5_000, `cut after ${Math.round(cutAfter)} ms (window 2000 ms)`);
    await waitUntil(() => trickler.isClosed, 3_000, 'the trickler\'s connection to close');
    await slowSent;
    const ok = await slow.answer();
    assert.equal(ok.status, 200, ok.body);
    assert.ok(performance.now() - t0 > 2_500, 'the slow body took more than one window');
    slow.close();
    const line = await collector.waitForLog((l) => l.msg === 'request' && l['status'] === 408);
    assert.equal(line.level, 30, 'logged at info');
    const metrics = (await collector.getFresh('/metrics')).body;
    assert.equal(counter(metrics, 'gracc_requests_total', '{status="408"}'), 1);
  });

  it('closes connections that never send a byte after idleTimeout, and still serves others', async () => {
    const silent = Array.from({ length: 50 }, () => new RawConnection(collector.port));
    await Promise.all(silent.map((c) => c.connected()));
    await sleep(1_000);
    assert.equal(silent.filter((c) => c.isClosed).length, 0, 'none closed before idleTimeout');
    assert.equal((await collector.getFresh('/healthz')).status, 200);
    const closedAfter = await Promise.race([
      Promise.all(silent.map((c) => c.closed)),
      sleep(8_000).then(() => assert.fail(`${silent.filter((c) => c.isClosed).length} of 50 closed after 9 s`)),
    ]);
    const latest = Math.max(...closedAfter);
    assert.ok(latest < 6_000, `the last closed after ${Math.round(latest)} ms (idleTimeout 2000 ms)`);
    const metrics = (await collector.getFresh('/metrics')).body;
    assert.equal(counter(metrics, 'gracc_connections_closed_total', '{reason="timeout"}'), 50);
  });
});

// With two workers each takes half of the limit, and the primary hands each connection to
// the one with the fewest: the four go two and two, and a fifth finds both at their share.
for (const workers of [1, 2]) describe(`maxConnections (${workers} worker(s), maxConnections 4)`, { timeout: 30_000 }, () => {
  let collector: CollectorProcess;
  before(async () => {
    collector = await CollectorProcess.start({ env: { GRACC_WORKERS: String(workers), GRACC_MAXCONNECTIONS: '4', GRACC_FILE_ENABLE: String(workers > 1) }, readyChecks: workers * 2 });
  });
  after(() => collector.close());

  it('closes connections past the limit at once, while the first ones still work', async () => {
    // the readiness checks' connections are closed by now: wait until the collector has none
    await sleep(300);
    const first = Array.from({ length: 4 }, () => new RawConnection(collector.port));
    for (const c of first) {
      await c.connected();
      c.write(head('GET', '/healthz', {}));
      assert.equal((await c.answer()).status, 200);
    }
    const extra = Array.from({ length: 3 }, () => new RawConnection(collector.port));
    const refused = await Promise.all(extra.map((c) => Promise.race([c.closed, sleep(3_000).then(() => -1)])));
    assert.ok(refused.every((ms) => ms >= 0 && ms < 2_000), `connections past the limit closed after ${refused.map(Math.round).join(', ')} ms`);
    for (const c of first) {
      c.write(head('GET', '/healthz', {}));
      assert.equal((await c.answer()).status, 200, 'a connection within the limit still works');
    }
    first[0]!.write(head('GET', '/metrics', {}));
    const metrics = (await first[0]!.answer()).body;
    assert.equal(counter(metrics, 'gracc_connections_closed_total', '{reason="limit"}'), 3);
    for (const c of first) c.close();
  });
});

describe('SIGTERM with a stalled upload (2 workers, drainTimeout 2s)', { timeout: 30_000 }, () => {
  it('answers the upload 503 and exits 0 within drainTimeout and a margin', async () => {
    const collector = await CollectorProcess.start({
      env: { GRACC_WORKERS: '2', GRACC_FILE_ENABLE: 'true', GRACC_DRAINTIMEOUT: '2s', GRACC_IDLETIMEOUT: '60s', GRACC_MINBODYRATE: '0' },
      readyChecks: 2,
    });
    try {
      const stalled = new RawConnection(collector.port);
      await stalled.connected();
      const body = bundle('stalled');
      stalled.write(postText(body).slice(0, -100));
      await sleep(300);
      const t0 = performance.now();
      const exited = collector.stop('SIGTERM', 15_000);
      const answer = await stalled.answer(10_000);
      assert.equal(answer.status, 503, answer.body);
      assert.match(answer.body, /stopping/);
      const exit = await exited;
      const ms = performance.now() - t0;
      assert.deepEqual(exit, { code: 0, signal: null });
      assert.ok(ms > 1_500 && ms < 6_000, `exited ${Math.round(ms)} ms after SIGTERM (drainTimeout 2000 ms)`);
    } finally {
      await collector.close();
    }
  });
});

describe('clients that go away, and the protocol edges (1 worker, file sink)', { timeout: 30_000 }, () => {
  let collector: CollectorProcess;
  let records: string;
  const published = (): string => (existsSync(records) ? readFileSync(records, 'utf8') : '');
  before(async () => {
    records = path.join(mkdtempSync(path.join(tmpdir(), 'gracc-http-edges-')), 'records.ndjson');
    collector = await CollectorProcess.start({ env: { GRACC_WORKERS: '1', GRACC_FILE_ENABLE: 'true', GRACC_FILE_PATH: records } });
  });
  after(async () => {
    await collector.close();
    rmSync(path.dirname(records), { recursive: true, force: true });
  });

  it('counts an abandoned upload, a half-close and a reset as 499 (not 5xx), and broken chunked framing as 400', async () => {
    const before = (await collector.getFresh('/metrics')).body;
    const body = bundle('gone');
    const partial = postText(body).slice(0, -50);

    const halfClosed = new RawConnection(collector.port);
    halfClosed.write(partial);
    await sleep(100);
    halfClosed.socket.end();
    const reset = new RawConnection(collector.port);
    reset.write(partial);
    await sleep(100);
    reset.socket.resetAndDestroy();
    const abandoned = new RawConnection(collector.port);
    abandoned.write(partial);
    await sleep(100);
    abandoned.close();

    const chunked = new RawConnection(collector.port);
    chunked.write(head('POST', RMI, { 'Content-Type': FORM, 'Transfer-Encoding': 'chunked' }) + '10\r\ncommand=multiupd\r\nzz\r\n');
    const broken = await chunked.answer();
    assert.equal(broken.status, 400);
    assert.match(broken.body, /^Error: malformed request body/);
    await chunked.closed;

    await waitUntil(() => collector.logs.filter((l) => l.msg === 'request' && l['status'] === 499).length === 3, 5_000, 'three 499 log lines');
    const gone = collector.logs.filter((l) => l.msg === 'request' && l['status'] === 499);
    assert.ok(gone.every((l) => l.level === 30), 'logged at info');
    const now = (await collector.getFresh('/metrics')).body;
    const delta = (labels: string) => counter(now, 'gracc_requests_total', labels) - counter(before, 'gracc_requests_total', labels);
    assert.equal(delta('{status="499"}'), 3);
    assert.equal(delta('{status="400"}'), 1);
    assert.equal(delta('{status="500"}'), 0);
    assert.doesNotMatch(now, /gracc_requests_total\{status="5\d\d"\}/);
    assert.doesNotMatch(published(), /:gone:/);
  });

  it('publishes only the first of two arg1 fields', async () => {
    const first = formBody({ command: 'multiupdate', from: 'http-edges', arg1: envelopeOf(sampleRecords(1, 'first-arg1')) });
    const second = formBody({ arg1: envelopeOf(sampleRecords(1, 'second-arg1')) });
    const answer = await collector.postBody(`${first}&${second}`);
    assert.equal(answer.status, 200, answer.body);
    assert.match(published(), /:first-arg1:/);
    assert.doesNotMatch(published(), /:second-arg1:/);
  });

  it('takes the first of two command fields, and the body\'s field over the query string\'s', async () => {
    const body = `command=multiupdate&${formBody({ command: 'multiupdate', from: 'http-edges', arg1: envelopeOf(sampleRecords(1, 'two-commands')) })}`;
    const answer = await collector.postBody(body);
    assert.equal(answer.status, 200, answer.body);
    assert.match(published(), /:two-commands:/);
    const other = await collector.postBody(`command=update&${bundle('first-command')}`);
    assert.equal(other.status, 400);
    assert.match(other.body, /^Error: missing field: bundlesize/);
    const queried = await collector.postBody(bundle('query-and-body'), { path: `${RMI}?command=bogus&command=update` });
    assert.equal(queried.status, 200, queried.body);
  });

  it('answers GET, PUT and DELETE with a form body 405 with Allow: POST, and publishes nothing', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const c = new RawConnection(collector.port);
      const body = bundle(`method-${method}`);
      c.write(head(method, RMI, { 'Content-Type': FORM, 'Content-Length': Buffer.byteLength(body) }) + body);
      const answer = await c.answer();
      assert.equal(answer.status, 405, `${method}: ${answer.body}`);
      assert.equal(answer.headers.get('allow'), 'POST');
      c.close();
    }
    await sleep(200);
    assert.doesNotMatch(published(), /:method-/);
  });

  it('sends every answer with Content-Length, not chunked', async () => {
    const c = new RawConnection(collector.port);
    c.write(postText(bundle('length')));
    c.write(postText('command=nonsense&arg1=x'));
    c.write(head('GET', '/stats', {}));
    c.write(head('GET', '/healthz', {}));
    c.write(head('GET', '/nowhere', {}));
    const answers = [await c.answer(), await c.answer(), await c.answer(), await c.answer(), await c.answer()];
    assert.deepEqual(answers.map((a) => a.status), [200, 400, 200, 200, 404]);
    assert.equal(answers[0]!.body, 'OK');
    assert.equal(answers[1]!.body, 'Error: Unknown Command: nonsense');
    for (const a of answers) assert.ok(!/transfer-encoding/i.test(a.head), a.head);
    c.close();
  });
});
