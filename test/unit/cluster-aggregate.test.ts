import assert from 'node:assert/strict';
import type { Worker } from 'node:cluster';
import { test } from 'node:test';
import type { Registry } from 'prom-client';
import { aggregateCluster, type MetricsJson, retire } from '../../src/io/cluster-aggregate';
import { ClusterMetrics, CollectorMetrics } from '../../src/io/metrics';

/** A worker's registry as the collector makes it, with `records` counted, a sink's figures and its own process gauge. */
async function workerMetrics(records: number, maxFds: number, inFlight = 0): Promise<MetricsJson> {
  const m = new CollectorMetrics({ inFlightBytes: () => inFlight });
  m.requestDone({ status: 200, records, handshakes: 0, seconds: 0.01 });
  m.sinks.published('amqp', records);
  m.sinks.confirmed('amqp', records, 0.004);
  m.sinks.state('amqp', 'connected');
  const json = await m.registry.getMetricsAsJSON();
  // A process gauge with a known value in place of the real one.
  return json.map((metric) => (metric.name === 'process_max_fds' ? { ...metric, values: [{ value: maxFds, labels: {} }] } : metric));
}

const valuesOf = async (registry: Registry, name: string) =>
  (await registry.getMetricsAsJSON()).find((m) => m.name === name)?.values.map((v) => ({ labels: v.labels, value: v.value })) ?? [];

test('aggregateCluster: counters summed over workers; process gauges by pid, not summed; gauges by their aggregator', async () => {
  const a = { pid: 101, metrics: await workerMetrics(3, 1024, 10) };
  const b = { pid: 102, metrics: await workerMetrics(4, 4096, 5) };
  const registry = aggregateCluster([a, b], []);
  assert.deepEqual(await valuesOf(registry, 'gracc_records_total'), [{ labels: {}, value: 7 }]);
  assert.deepEqual(await valuesOf(registry, 'gracc_sink_records_confirmed_total'), [{ labels: { sink: 'amqp' }, value: 7 }]);
  assert.deepEqual(await valuesOf(registry, 'process_max_fds'), [{ labels: { pid: 101 }, value: 1024 }, { labels: { pid: 102 }, value: 4096 }]);
  assert.deepEqual(await valuesOf(registry, 'gracc_in_flight_bytes'), [{ labels: {}, value: 15 }]);
  const states = await valuesOf(registry, 'gracc_sink_state');
  assert.deepEqual(states.find((v) => v.labels['state'] === 'connected')?.value, 2);
  // The histogram's buckets are summed series by series.
  const count = (await valuesOf(registry, 'gracc_sink_confirm_duration_seconds')).find((v) => v.labels['le'] === '+Inf');
  assert.equal(count?.value, 2);
  // process_start_time_seconds is 'omit' in prom-client: kept here, one per process.
  assert.equal((await valuesOf(registry, 'process_start_time_seconds')).length, 2);
});

test('retire: an exited worker\'s counters and histograms stay in the totals; its gauges go', async () => {
  const a = await workerMetrics(3, 1024, 10);
  const b = await workerMetrics(4, 4096, 5);
  const retired = retire(retire([], a), b);
  assert.equal(retired.some((m) => m.name === 'gracc_in_flight_bytes' || m.name === 'gracc_sink_state' || m.name === 'process_max_fds'), false);
  const registry = aggregateCluster([{ pid: 103, metrics: await workerMetrics(1, 2048) }], retired);
  assert.deepEqual(await valuesOf(registry, 'gracc_records_total'), [{ labels: {}, value: 8 }]);
  assert.deepEqual(await valuesOf(registry, 'gracc_requests_total'), [{ labels: { status: '200' }, value: 3 }]);
  assert.deepEqual(await valuesOf(registry, 'process_max_fds'), [{ labels: { pid: 103 }, value: 2048 }]);
  const inf = (await valuesOf(registry, 'gracc_request_duration_seconds')).find((v) => v.labels['le'] === '+Inf' && v.labels['status'] === '200');
  assert.equal(inf?.value, 3);
});

/** A stand-in for a cluster worker: answers the primary's COLLECT with its registry. */
function fakeWorker(id: number, pid: number, registry: () => Promise<MetricsJson>, primary: () => ClusterMetrics) {
  let connected = true;
  const worker = {
    id,
    process: { pid },
    isConnected: () => connected,
    send(m: { type: string; id: number }) {
      void registry().then((metrics) => primary().onMessage(worker as unknown as Worker, { type: 'gracc:collect!', id: m.id, metrics } as never));
      return true;
    },
    exit() {
      connected = false;
      primary().gone(worker as unknown as Worker);
    },
  };
  return worker;
}

test('ClusterMetrics: a worker replaced does not lower the totals; pushed metrics count for a worker killed before any scrape', async () => {
  const counts = new Map<number, number>([[1, 5], [2, 7]]);
  let cluster!: ClusterMetrics;
  const w1 = fakeWorker(1, 201, () => workerMetrics(counts.get(1)!, 10), () => cluster);
  const w2 = fakeWorker(2, 202, () => workerMetrics(counts.get(2)!, 10), () => cluster);
  let workers = [w1, w2];
  cluster = new ClusterMetrics(() => workers as unknown as Worker[]);
  const total = async () => (await valuesOf(await cluster.aggregate(), 'gracc_records_total'))[0]?.value;
  assert.equal(await total(), 12);
  // Worker 2 counts 3 more and pushes them, then is killed and replaced.
  counts.set(2, 10);
  cluster.onMessage(w2 as unknown as Worker, { type: 'gracc:metrics-push', metrics: await workerMetrics(10, 10) } as never);
  w2.exit();
  // A message of the exited worker still on its way is ignored.
  cluster.onMessage(w2 as unknown as Worker, { type: 'gracc:metrics-push', metrics: await workerMetrics(99, 10) } as never);
  const w3 = fakeWorker(3, 203, () => workerMetrics(1, 10), () => cluster);
  workers = [w1, w3];
  assert.equal(await total(), 16);
  const pids = (await valuesOf(await cluster.aggregate(), 'process_max_fds')).map((v) => v.labels['pid']);
  assert.deepEqual(pids, [201, 203]);
});

test('PrometheusSinkMetrics: every figure under its sink', async () => {
  const m = new CollectorMetrics();
  m.sinks.published('amqp', 5);
  m.sinks.failed('amqp', 'nack');
  m.sinks.failed('kafka', 'timeout');
  m.sinks.refused('amqp', 'nack', 2);
  m.sinks.refused('amqp', 'returned', 1);
  m.sinks.reconnected('kafka');
  m.sinks.state('amqp', 'blocked');
  const text = await m.registry.metrics();
  for (const line of [
    'gracc_sink_records_published_total{sink="amqp"} 5',
    'gracc_sink_bundles_failed_total{sink="amqp",failure="nack"} 1',
    'gracc_sink_bundles_failed_total{sink="kafka",failure="timeout"} 1',
    'gracc_sink_records_nacked_total{sink="amqp"} 2',
    'gracc_sink_records_returned_total{sink="amqp"} 1',
    'gracc_sink_reconnects_total{sink="kafka"} 1',
    'gracc_sink_state{sink="amqp",state="blocked"} 1',
    'gracc_sink_state{sink="amqp",state="connected"} 0',
  ]) assert.ok(text.includes(line), `missing ${line}`);
});

