// Memory and back-pressure of the whole collector, as a child process with the file sink:
// a 64 MiB replication bundle goes through with a bounded peak RSS, and bundles beyond
// maxInFlightBytes are refused with 503 while the collector keeps serving.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { replicationOf, sampleRecords } from '../../bench/sample-records';
import { CollectorProcess } from '../support/collector-process';

const MiB = 2 ** 20;
/** Peak RSS allowed while the 64 MiB bundle goes through (GRACC_TEST_RSS_LIMIT_MIB to try others). */
const RSS_LIMIT = Number(process.env['GRACC_TEST_RSS_LIMIT_MIB'] ?? 512) * MiB;

/** A replication bundle of at least `bytes` bytes, with its record count. */
function replicationBundle(bytes: number, tag: string): { text: string; records: number } {
  const perRecord = Buffer.byteLength(replicationOf(sampleRecords(15, tag))) / 15;
  const records = Math.ceil(bytes / perRecord);
  const text = replicationOf(sampleRecords(records, tag));
  return { text, records };
}

function updateBody(bundle: { text: string; records: number }): Buffer {
  return Buffer.from(new URLSearchParams({ command: 'update', from: 'memory-test', bundlesize: String(bundle.records), arg1: bundle.text }).toString());
}

type Outcome = { status: number; body: string } | { error: string };

/**
 * POSTs `body` in 256 KiB writes, with back-pressure, on a connection of its own. The answer
 * may come before the whole body is sent (a refused bundle is not read further); a connection
 * error after it does not matter.
 */
function post(url: string, body: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (o: Outcome): void => {
      if (!settled) resolve(o);
      settled = true;
    };
    const req = http.request(`${url}/gratia-servlets/rmi`, {
      method: 'POST', agent: false,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': body.length },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (s: string) => (text += s)).on('end', () => settle({ status: res.statusCode ?? 0, body: text }));
      res.on('error', (e) => settle({ error: e.message }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => settle({ error: e.code ?? e.message }));
    let offset = 0;
    const pump = (): void => {
      while (offset < body.length && !req.destroyed) {
        const end = Math.min(offset + 256 * 1024, body.length);
        const more = req.write(body.subarray(offset, end));
        offset = end;
        if (!more) return void req.once('drain', pump);
      }
      if (offset >= body.length) req.end();
    };
    pump();
  });
}

const show = (o: Outcome): string => ('error' in o ? `connection error ${o.error}` : `${o.status} ${o.body}`);

describe('memory and back-pressure', { timeout: 120_000 }, () => {
  const collectors: CollectorProcess[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const c of collectors) await c.close({ signal: 'SIGKILL' });
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it(`a 64 MiB replication bundle is accepted with a peak RSS under ${RSS_LIMIT / MiB} MiB`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gracc-memory-'));
    dirs.push(dir);
    const recordsFile = path.join(dir, 'records.ndjson');
    const bundle = replicationBundle(64 * MiB, 'memory-64');
    const body = updateBody(bundle);
    const collector = await CollectorProcess.start({
      env: {
        GRACC_WORKERS: '1', GRACC_FILE_ENABLE: 'true', GRACC_FILE_PATH: recordsFile, GRACC_FILE_FORMAT: 'json',
        // the bundle is 64 MiB; urlencoded, the request body is larger
        GRACC_MAXBODYSIZE: String(body.length), GRACC_TIMEOUT: '60s',
      },
    });
    collectors.push(collector);
    const started = Date.now();
    const outcome = await post(collector.url(), body);
    const seconds = (Date.now() - started) / 1000;
    const rss = collector.peakRss();
    assert.equal(show(outcome), '200 OK');
    const lines = readFileSync(recordsFile, 'utf8').split('\n').filter((l) => l !== '');
    assert.equal(lines.length, bundle.records, 'every record written');
    assert.equal((JSON.parse(lines.at(-1)!) as { RecordId: string }).RecordId.endsWith(`:memory-64:${bundle.records - 1}`), true);
    const stats = JSON.parse((await collector.getFresh('/stats')).body) as Record<string, number>;
    assert.equal(stats['Records'], bundle.records);
    console.log(`# 64 MiB bundle: ${bundle.records} records, payload ${(Buffer.byteLength(bundle.text) / MiB).toFixed(1)} MiB, ` +
      `request body ${(body.length / MiB).toFixed(1)} MiB, output ${(statSync(recordsFile).size / MiB).toFixed(1)} MiB, ${seconds.toFixed(1)} s, ` +
      `collector peak RSS ${(rss.totalBytes / MiB).toFixed(0)} MiB`);
    assert.ok(rss.totalBytes <= RSS_LIMIT, `peak RSS ${(rss.totalBytes / MiB).toFixed(0)} MiB over ${RSS_LIMIT / MiB} MiB`);
    assert.deepEqual(await collector.stop('SIGTERM'), { code: 0, signal: null });
  });

  it('bundles beyond maxInFlightBytes get 503, and the collector keeps serving', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gracc-backpressure-'));
    dirs.push(dir);
    const collector = await CollectorProcess.start({
      env: {
        GRACC_WORKERS: '1', GRACC_FILE_ENABLE: 'true', GRACC_FILE_PATH: path.join(dir, 'records.ndjson'),
        GRACC_MAXINFLIGHTBYTES: '16MiB',
      },
    });
    collectors.push(collector);
    // Eight bundles of ~10 MiB (request bodies) at once: 80 MiB against 16 MiB in flight; one alone fits.
    const bodies = Array.from({ length: 8 }, (_, i) => updateBody(replicationBundle(7.5 * MiB, `bp-${i}`)));
    const outcomes = await Promise.all(bodies.map((b) => post(collector.url(), b)));
    const shown = outcomes.map(show);
    const REFUSED: string = '503 Error: too many bundle bytes in flight, try again later';
    const refused = shown.filter((s) => s === REFUSED);
    const accepted = shown.filter((s) => s === '200 OK');
    console.log(`# ${bodies.length} concurrent ~${(bodies[0]!.length / MiB).toFixed(1)} MiB bundles, maxInFlightBytes 16 MiB: ${accepted.length} × 200, ${refused.length} × 503`);
    assert.ok(refused.length >= 1, `some bundles refused: ${shown.join(' | ')}`);
    assert.ok(accepted.length >= 1, `some bundles accepted: ${shown.join(' | ')}`);
    // A refused sender may see its connection closed while it is still sending; nothing else.
    for (const s of shown) assert.ok(s === '200 OK' || s === REFUSED || s.startsWith('connection error'), s);
    assert.ok(collector.running, 'the collector is still running');

    // Still serving: the bytes of the refused bundles were given back.
    const small = updateBody(replicationBundle(200 * 1024, 'bp-after'));
    assert.equal(show(await post(collector.url(), small)), '200 OK');
    const refusedAgain = await post(collector.url(), bodies[0]!);
    assert.equal(show(refusedAgain), '200 OK', 'a large bundle alone fits again');
    const metrics = (await collector.getFresh('/metrics')).body;
    assert.match(metrics, /^gracc_in_flight_bytes 0$/m);
    const stats = JSON.parse((await collector.getFresh('/stats')).body) as Record<string, number>;
    assert.equal(stats['Requests'], outcomes.length + 2);
    assert.equal(stats['RequestErrors'], outcomes.length - accepted.length);
    assert.deepEqual(await collector.stop('SIGTERM'), { code: 0, signal: null });
  });
});
