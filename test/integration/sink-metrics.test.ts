// /metrics after real failures, per sink: a bundle returned unroutable (no queue bound to the
// exchange), one nacked (a queue bound with x-max-length and x-overflow = reject-publish), one
// timed out (the broker stalled behind a TCP proxy) and one confirmed, against the real
// RabbitMQ; and the cluster's figures against a single worker's for the same load, with a
// worker killed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { envelopeOf, sampleRecords } from '../../bench/sample-records';
import { CollectorProcess, waitUntil } from '../support/collector-process';
import { ensureRabbit, RabbitAdmin, uniqueName } from '../support/rabbit';
import { TcpProxy } from '../support/tcp-proxy';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of a Prometheus text exposition. */
function samples(text: string): Sample[] {
  return text.split('\n').flatMap((line) => {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) return [];
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    return [{ name: m[1]!, labels, value: Number(m[3]) }];
  });
}

/** The sum of a metric's samples whose labels include `labels`. */
function value(all: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): number {
  return all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

const RECORDS = 3;
const bundle = (tag: string) => ({ command: 'multiupdate', from: 'sink-metrics-test', arg1: envelopeOf(sampleRecords(RECORDS, tag)) });

describe('per-sink metrics', { timeout: 120_000 }, () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it('counts a return, a nack, a timeout and a confirm for the amqp sink', async () => {
    ensureRabbit();
    const exchange = uniqueName('metrics');
    const admin = new RabbitAdmin();
    cleanups.push(() => admin.close());
    const proxy = await TcpProxy.start('127.0.0.1', 5672);
    cleanups.push(() => proxy.close());
    const collector = await CollectorProcess.start({
      env: {
        GRACC_AMQP_ENABLE: 'true', GRACC_AMQP_PORT: String(proxy.port), GRACC_AMQP_EXCHANGE: exchange,
        GRACC_AMQP_AUTODELETE: 'false', GRACC_TIMEOUT: '2s', GRACC_WORKERS: '1',
      },
    });
    cleanups.push(() => collector.close({ signal: 'SIGKILL' }));
    const ch = await admin.channel();
    cleanups.push(() => ch.deleteExchange(exchange));

    // No queue bound: every record comes back unroutable.
    const returned = await collector.post(bundle('returned'));
    assert.equal(returned.status, 503, returned.body);
    assert.match(returned.body, /returned/);

    // A queue that takes one message and refuses (nacks) the rest.
    const full = uniqueName('full');
    await ch.assertQueue(full, { exclusive: true, arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
    await ch.bindQueue(full, exchange, '');
    const nacked = await collector.post(bundle('nacked'));
    assert.equal(nacked.status, 503, nacked.body);
    assert.match(nacked.body, /nack/);
    await ch.deleteQueue(full);

    const open = uniqueName('open');
    await ch.assertQueue(open, { exclusive: true });
    await ch.bindQueue(open, exchange, '');
    await waitUntil(async () => (await collector.post(bundle('ok'))).status === 200 || undefined, 10_000, 'a confirmed bundle');

    // The broker stalls: no confirm within the 2 s timeout.
    proxy.stall();
    const late = await collector.post(bundle('late'));
    proxy.resume();
    assert.equal(late.status, 503, late.body);
    assert.match(late.body, /no confirm within/);

    const all = samples((await collector.get('/metrics')).body);
    const amqp = { sink: 'amqp' };
    assert.equal(value(all, 'gracc_sink_bundles_failed_total', { ...amqp, failure: 'returned' }), 1);
    assert.equal(value(all, 'gracc_sink_bundles_failed_total', { ...amqp, failure: 'nack' }), 1);
    assert.equal(value(all, 'gracc_sink_bundles_failed_total', { ...amqp, failure: 'timeout' }), 1);
    assert.equal(value(all, 'gracc_sink_records_returned_total', amqp), RECORDS);
    assert.equal(value(all, 'gracc_sink_records_nacked_total', amqp), RECORDS - 1);
    assert.equal(value(all, 'gracc_sink_records_published_total', amqp), 4 * RECORDS);
    assert.equal(value(all, 'gracc_sink_records_confirmed_total', amqp), RECORDS);
    assert.equal(value(all, 'gracc_sink_confirm_duration_seconds_count', amqp), 1);
    assert.equal(value(all, 'gracc_sink_state', { ...amqp, state: 'connected' }), 1);
    assert.equal(value(all, 'gracc_sink_state', { ...amqp, state: 'down' }), 0);
  });

  /** The same load to a collector of `workers`: its /metrics samples after it, and the collector. */
  async function load(workers: number): Promise<{ collector: CollectorProcess; after: Sample[] }> {
    const dir = mkdtempSync(path.join(tmpdir(), 'gracc-sink-metrics-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const collector = await CollectorProcess.start({
      env: { GRACC_WORKERS: String(workers), GRACC_FILE_ENABLE: 'true', GRACC_FILE_PATH: path.join(dir, 'records.ndjson') },
      readyChecks: 2 * workers,
    });
    cleanups.push(() => collector.close({ signal: 'SIGKILL' }));
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => collector.postFresh(bundle(`load-${i}`))));
    assert.deepEqual(answers.map((a) => ('status' in a ? a.status : a.error)), Array(20).fill(200));
    const bad = await collector.postFresh({ command: 'multiupdate', from: 'sink-metrics-test', arg1: '<RecordEnvelope><JobUsageRecord>' });
    assert.ok('status' in bad && bad.status === 400);
    return { collector, after: samples((await collector.getFresh('/metrics')).body) };
  }

  const COUNTERS: readonly [string, Record<string, string>][] = [
    ['gracc_records_total', {}],
    ['gracc_record_errors_total', {}],
    ['gracc_requests_total', { status: '200' }],
    ['gracc_requests_total', { status: '400' }],
    ['gracc_sink_records_published_total', { sink: 'file' }],
    ['gracc_sink_records_confirmed_total', { sink: 'file' }],
    ['gracc_sink_confirm_duration_seconds_count', { sink: 'file' }],
  ];

  it('the cluster\'s figures are a single worker\'s for the same load; process metrics by pid; a killed worker does not lower the totals', async () => {
    const single = await load(1);
    const cluster = await load(2);
    for (const [name, labels] of COUNTERS) {
      assert.equal(value(cluster.after, name, labels), value(single.after, name, labels), `${name}${JSON.stringify(labels)}`);
    }
    assert.equal(value(single.after, 'gracc_sink_records_confirmed_total', { sink: 'file' }), 20 * RECORDS);
    // One process_max_fds a process (the primary and both workers), each with its pid: none summed.
    const maxFds = cluster.after.filter((s) => s.name === 'process_max_fds');
    const pids = [cluster.collector.pid, ...cluster.collector.workerPids()].map(String).sort();
    assert.deepEqual(maxFds.map((s) => s.labels['pid']).sort(), pids);
    assert.equal(new Set(maxFds.map((s) => s.value)).size, 1, 'every process has the same fd limit');
    assert.equal(value(cluster.after, 'gracc_sink_state', { sink: 'file' }), 0, 'the file sink reports no connection state');
    // A worker killed outright: its replacement starts at 0, the totals stay.
    const [victim] = cluster.collector.workerPids();
    process.kill(victim!, 'SIGKILL');
    await waitUntil(() => {
      const now = cluster.collector.workerPids();
      return now.length === 2 && !now.includes(victim!) || undefined;
    }, 20_000, 'a replacement worker');
    await cluster.collector.waitReady();
    const later = samples((await cluster.collector.getFresh('/metrics')).body);
    for (const [name, labels] of COUNTERS) {
      assert.equal(value(later, name, labels), value(cluster.after, name, labels), `${name}${JSON.stringify(labels)} after a worker was killed`);
    }
    assert.ok(!later.some((s) => s.name === 'process_max_fds' && s.labels['pid'] === String(victim)), 'the killed worker\'s process metrics are gone');
  });
});
