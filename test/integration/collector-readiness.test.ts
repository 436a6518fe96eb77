// The AMQP defaults over a broker restart, and /readyz for records returned unroutable: the
// whole collector (dist/src/cli.js) against the real RabbitMQ. One test restarts the broker's
// app (stop_app / start_app, always restored).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jobRecords, multiupdate } from '../support/bundles';
import { CollectorProcess, type HttpAnswer, waitUntil } from '../support/collector-process';
import { uniqueName, withAppStopped } from '../support/rabbit';
import { rabbitSuite } from '../support/rabbit-suite';

const UNROUTABLE = /amqp: records returned unroutable \(312 NO_ROUTE\)/;

/** A collector on `exchange` with the default exchange declaration (durable, auto-delete). */
function startCollector(exchange: string, workers = 1): Promise<CollectorProcess> {
  return CollectorProcess.start({
    config: `timeout = "5s"\nworkers = ${workers}\n\n[amqp]\nenable = true\nhost = "127.0.0.1"\nexchange = "${exchange}"\nretry = "200ms"\nmaxRetry = "1s"\n\n[file]\nenable = false\n`,
    readyChecks: workers,
  });
}

function bundle(what: string, n = 5): { fields: Record<string, string>; ids: string[] } {
  const records = jobRecords(uniqueName(what), n);
  return { fields: multiupdate(records.map((r) => r.xml)), ids: records.map((r) => r.id) };
}

function statusOf(a: HttpAnswer | { error: string }): string {
  return 'status' in a ? `${a.status} ${a.body}` : a.error;
}

describe('AMQP defaults and readiness', { timeout: 180_000 }, () => {
  const { admin, track } = rabbitSuite();
  const start = async (exchange: string, workers = 1) => {
    admin.own(exchange); // durable now: deleted at the end
    return track(await startCollector(exchange, workers));
  };

  test('with the default settings, a durable queue\'s binding outlives a broker restart: bundles are OK afterwards', async () => {
    const exchange = uniqueName('restart');
    const c = await start(exchange);
    const queue = await admin.bindQueue(exchange, { durable: true });
    const first = bundle('before');
    assert.equal(statusOf(await c.post(first.fields)), '200 OK');
    await withAppStopped(() => waitUntil(() => c.logs.some((l) => l.msg === 'sink unavailable'), 20_000, 'the collector seeing the broker go'));
    await c.waitReady(30_000);
    const second = bundle('after');
    assert.equal(statusOf(await c.post(second.fields)), '200 OK', 'a bundle after the restart');
    const got = await admin.drain(queue, { min: 10 });
    const ids = got.map((m) => String((JSON.parse(m.content.toString('utf8')) as { RecordId?: unknown }).RecordId));
    assert.deepEqual(ids, [...first.ids, ...second.ids]);
  });

  test('an exchange with no queue: the bundle is 503, /readyz 503 naming unroutable; a queue bound: OK, and /readyz 200', async () => {
    const exchange = uniqueName('noroute');
    const c = await start(exchange);
    const lost = await c.post(bundle('lost').fields);
    assert.equal(lost.status, 503);
    assert.match(lost.body, /returned by the broker: 312 NO_ROUTE/);
    const ready = await c.get('/readyz');
    assert.equal(ready.status, 503);
    assert.match(ready.body, UNROUTABLE);
    // new bundles are still tried: the one after the binding goes through
    const queue = await admin.bindQueue(exchange);
    const kept = bundle('kept');
    assert.equal(statusOf(await c.post(kept.fields)), '200 OK');
    assert.equal(statusOf(await c.get('/readyz')), '200 OK');
    const got = await admin.drain(queue, { min: 5 });
    assert.equal(got.length, 5);
  });

  test('workers = 2: one worker saw records returned, and /readyz is 503 whichever worker answers', async () => {
    const exchange = uniqueName('noroute2');
    const c = await start(exchange, 2);
    assert.equal(c.workerPids().length, 2);
    const lost = await c.postFresh(bundle('lost').fields);
    assert.match(statusOf(lost), /^503 .*NO_ROUTE/);
    const returnedIn = new Set(c.logs.filter((l) => l.msg.startsWith('records returned unroutable')).map((l) => l['pid']));
    assert.equal(returnedIn.size, 1, 'exactly one worker published the bundle');
    // Fresh connections: the cluster hands them to the workers in turn, so both answer some of these.
    for (let i = 0; i < 8; i++) {
      const a = await c.getFresh('/readyz');
      assert.equal(a.status, 503, `/readyz #${i}: ${a.status} ${a.body}`);
      assert.match(a.body, UNROUTABLE);
    }
    await admin.bindQueue(exchange);
    // each worker clears its own state with its next confirmed bundle: two bundles a round, on
    // fresh connections, reach both (one a round would meet the same worker each time, the
    // /readyz request taking the other's turn)
    await waitUntil(async () => {
      for (let i = 0; i < 2; i++) assert.equal(statusOf(await c.postFresh(bundle('kept').fields)), '200 OK');
      return (await c.getFresh('/readyz')).status === 200;
    }, 20_000, '/readyz 200 after bundles were confirmed');
    for (let i = 0; i < 4; i++) assert.equal(statusOf(await c.getFresh('/readyz')), '200 OK');
  });
});
