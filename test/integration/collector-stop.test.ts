// SIGTERM while the broker stalls: the whole collector (dist/src/cli.js) publishes to the real
// RabbitMQ through a TCP proxy (test/support/tcp-proxy.ts) that stops forwarding on command,
// so that the connection's close handshake never gets the broker's answer. The collector
// must still exit, within closeTimeout and a margin, and every bundle it answered OK must be
// in the queue.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { jobRecords, multiupdate } from '../support/bundles';
import { CollectorProcess } from '../support/collector-process';
import { uniqueName } from '../support/rabbit';
import { rabbitSuite } from '../support/rabbit-suite';
import { TcpProxy } from '../support/tcp-proxy';

const CLOSE_TIMEOUT_MS = 2_000;
/** Time for the drain, the log's close and the process's exit on a busy 2-core machine. */
const MARGIN_MS = 6_000;

describe('SIGTERM with a stalled broker connection', { timeout: 120_000 }, () => {
  const { admin, track } = rabbitSuite('SIGKILL');
  const proxies: TcpProxy[] = [];
  after(() => Promise.all(proxies.map((p) => p.close())));

  for (const workers of [1, 2]) {
    test(`workers = ${workers}: exits within closeTimeout + a margin, and the bundles answered OK are in the queue`, async () => {
      const exchange = uniqueName('stop');
      // the collector's default declaration (durable, auto-delete), and a durable queue
      const queue = await admin.bindQueue(exchange, { declare: { type: 'fanout', durable: true, autoDelete: true }, durable: true });
      const proxy = await TcpProxy.start('127.0.0.1', 5672);
      proxies.push(proxy);
      const c = track(await CollectorProcess.start({
        config: `timeout = "3s"\ncloseTimeout = "${CLOSE_TIMEOUT_MS}ms"\nworkers = ${workers}\n\n[amqp]\nenable = true\nhost = "127.0.0.1"\nport = ${proxy.port}\n` +
          `exchange = "${exchange}"\nretry = "200ms"\nmaxRetry = "1s"\n\n[file]\nenable = false\n`,
        readyChecks: workers,
      }));

      const sent: string[] = [];
      for (let i = 0; i < 6; i++) {
        const records = jobRecords(uniqueName(`b${i}`), 10);
        const a = await c.postFresh(multiupdate(records.map((r) => r.xml)));
        assert.ok('status' in a && a.status === 200, `bundle ${i}: ${JSON.stringify(a)}`);
        sent.push(...records.map((r) => r.id));
      }

      proxy.stall();
      // a bundle now cannot be confirmed: never OK
      const stuck = await c.postFresh(multiupdate(jobRecords(uniqueName('stuck'), 3).map((r) => r.xml)));
      assert.ok('status' in stuck && stuck.status === 503, `a bundle while the broker stalls: ${JSON.stringify(stuck)}`);

      const t0 = Date.now();
      const exit = await c.stop('SIGTERM', CLOSE_TIMEOUT_MS + 30_000);
      const ms = Date.now() - t0;
      assert.ok(exit.signal === null, `killed rather than exited (${JSON.stringify(exit)}) after ${ms} ms; last lines:\n${c.tail(10)}`);
      assert.ok(ms < CLOSE_TIMEOUT_MS + MARGIN_MS, `exited ${ms} ms after SIGTERM, closeTimeout ${CLOSE_TIMEOUT_MS} ms`);
      assert.equal(exit.code, 0, c.tail(10));
      assert.equal(c.logs.filter((l) => /did not confirm closing the connection in time/.test(l.msg)).length, workers, 'each worker dropped its connection');

      const got = await admin.drain(queue, { min: sent.length, quietMs: 300 });
      const ids = new Set(got.map((m) => String((JSON.parse(m.content.toString('utf8')) as { RecordId?: unknown }).RecordId)));
      assert.deepEqual(sent.filter((id) => !ids.has(id)), [], 'records of bundles answered OK missing from the queue');
    });
  }
});
