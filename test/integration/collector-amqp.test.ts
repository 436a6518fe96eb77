// The whole collector (dist/src/cli.js as a child process) against the real RabbitMQ of
// scripts/services.sh (127.0.0.1:5672, guest/guest), through its HTTP endpoint: what a
// 200 answer promises (every record in a bound queue, persistent, right body and content
// type), the 4xx/5xx answers, broker alarms and outages, and a graceful stop under load.
// Some tests raise a memory alarm or stop the broker's app, briefly, and always restore it.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { ConsumeMessage } from 'amqplib';
import {
  compareGracc, corpus, envelope, envelopeRecords, type GeneratedRecord, jobRecords, multiupdate, parseJsonExact, PING,
  probeDetails, realBundles, replication, replicationRecords, update, rootOfXml,
} from '../support/bundles';
import { CollectorProcess, formBody, type HttpAnswer, sleep, waitUntil } from '../support/collector-process';
import { convertError, convertOk } from '../support/convert';
import { uniqueName, withAppStopped, withMemoryAlarm } from '../support/rabbit';
import { rabbitSuite } from '../support/rabbit-suite';

const JSON_TYPE = 'application/json';
const XML_TYPE = 'text/xml';

/** GRACC_TEST_WORKERS=n runs every collector with `workers = n` (default: the collector's default, one per CPU). */
const WORKERS: Record<string, string> = process.env['GRACC_TEST_WORKERS'] ? { GRACC_WORKERS: process.env['GRACC_TEST_WORKERS'] } : {};

/** A collector publishing to `exchange` on the test broker (fanout, quick reconnects, 5 s confirm timeout, no file sink). */
function startCollector(exchange: string, env: Record<string, string> = {}): Promise<CollectorProcess> {
  return CollectorProcess.start({
    config: `timeout = "5s"\n\n[amqp]\nenable = true\nhost = "127.0.0.1"\nexchangeType = "fanout"\n\n[file]\nenable = false\n`,
    env: { GRACC_AMQP_EXCHANGE: exchange, GRACC_AMQP_RETRY: '200ms', GRACC_AMQP_MAXRETRY: '2s', ...WORKERS, ...env },
  });
}

/** The record id of a published message: RecordId (or UniqueID) of JSON, the recordId attribute (or UniqueID) of XML. */
function idOf(m: ConsumeMessage): string {
  const text = m.content.toString('utf8');
  if (m.properties.contentType === JSON_TYPE) {
    const o = JSON.parse(text) as Record<string, unknown>;
    return String(o['RecordId'] ?? o['UniqueID']);
  }
  return /recordId="([^"]*)"/.exec(text)?.[1] ?? /<(?:\w+:)?UniqueID>([^<]*)</.exec(text)?.[1] ?? '';
}

function assertPersistent(messages: readonly ConsumeMessage[], contentType: string): void {
  for (const m of messages) {
    assert.equal(m.properties.deliveryMode, 2, `message ${idOf(m)} is not persistent`);
    assert.equal(m.properties.contentType, contentType, `content type of ${idOf(m)}`);
  }
}

function assertOk(a: HttpAnswer, what = 'the bundle'): void {
  assert.equal(a.status, 200, `${what}: ${a.status} ${a.body}`);
  assert.equal(a.body, 'OK');
}


describe('gracc-collector over RabbitMQ, through its HTTP endpoint', { timeout: 110_000 }, () => {
  const { admin, track } = rabbitSuite();
  const start = async (exchange: string, env: Record<string, string> = {}) => track(await startCollector(exchange, env));

  /**
   * Posts a sentinel bundle and reads the queue until its records came: then nothing else
   * may have arrived (one channel, one exchange: what was published before comes first).
   */
  async function expectOnlySentinel(c: CollectorProcess, queue: string, already: readonly string[] = []): Promise<void> {
    const sentinel = jobRecords(uniqueName('sentinel'), 2);
    assertOk(await c.post(multiupdate(sentinel.map((r) => r.xml))), 'sentinel');
    const got = await admin.drain(queue, { min: already.length + 2, quietMs: 100 });
    assert.deepEqual(got.map(idOf), [...already, ...sentinel.map((r) => r.id)], 'nothing but these records may be published');
  }

  describe('json format, a bound queue', () => {
    let c: CollectorProcess;
    let queue: string;

    before(async () => {
      const exchange = uniqueName('json');
      c = await start(exchange);
      queue = await admin.bindQueue(exchange);
    });

    test('the real bundles: every record arrives persistent, application/json, mapped as the converter maps it, RawXML as sent', async () => {
      const { envelope: envDoc, replication: repl } = realBundles();
      assertOk(await c.post({ command: 'multiupdate', from: 'real-probe', arg1: envDoc }), 'envelope');
      assertOk(await c.post({ command: 'update', from: 'real-collector', bundlesize: '15', arg1: repl }), 'replication');
      const got = await admin.drain(queue, { min: 26 });
      assert.equal(got.length, 26);
      assertPersistent(got, JSON_TYPE);
      const expected = [...convertOk([envDoc]), ...convertOk([repl])];
      const raws = [...envelopeRecords(envDoc), ...replicationRecords(repl)];
      assert.equal(raws.length, 26);
      got.forEach((m, i) => {
        const body = m.content.toString('utf8');
        assert.equal(body, expected[i], `record #${i}`);
        const o = parseJsonExact(body);
        assert.equal(o['RawXML'], raws[i], `RawXML of record #${i}`);
        assert.ok(typeof o['type'] === 'string' && (o['RecordId'] !== undefined || o['UniqueID'] !== undefined));
      });
    });

    test('generated bundles of the conformance corpus (envelope and replication): the GRACC JSON of each record as expected', async () => {
      const good = corpus().filter((k) => k.expected !== null);
      assert.ok(good.length > 300);
      const xmls = good.map((k) => k.xml);
      assertOk(await c.post(multiupdate(xmls)), 'corpus envelope');
      assertOk(await c.post(update(xmls)), 'corpus replication');
      const got = await admin.drain(queue, { min: 2 * good.length, timeoutMs: 15_000 });
      assert.equal(got.length, 2 * good.length);
      assertPersistent(got, JSON_TYPE);
      const problems: string[] = [];
      got.forEach((m, i) => {
        const k = good[i % good.length]!;
        const why = compareGracc(parseJsonExact(m.content.toString('utf8')), k.expected!, k.xml);
        if (why) problems.push(`#${i} ${k.kind}: ${why}`);
      });
      assert.deepEqual(problems.slice(0, 10), []);
    });

    test('generated bundles posted at once: every record of every bundle arrives, with its body', async () => {
      const bundles: GeneratedRecord[][] = Array.from({ length: 24 }, (_, b) => jobRecords(uniqueName(`gen${b}`), 40, b * 20));
      const answers = await Promise.all(bundles.map((recs, b) =>
        c.post(b % 2 === 0 ? multiupdate(recs.map((r) => r.xml)) : update(recs.map((r) => r.xml)))));
      answers.forEach((a, b) => assertOk(a, `bundle ${b}`));
      const all = bundles.flat();
      const got = await admin.drain(queue, { min: all.length, timeoutMs: 15_000 });
      assertPersistent(got, JSON_TYPE);
      assert.equal(got.length, all.length, 'each record once');
      const byId = new Map(all.map((r) => [r.id, r]));
      const seen = new Set<string>();
      for (const m of got) {
        const o = parseJsonExact(m.content.toString('utf8'));
        const r = byId.get(String(o['RecordId']));
        assert.ok(r, `unexpected record ${String(o['RecordId'])}`);
        assert.equal(compareGracc(o, r.expected, r.xml, false), null, r.id);
        seen.add(r.id);
      }
      assert.equal(seen.size, all.length);
      // within a bundle, the records keep their order
      for (const recs of bundles) {
        const ids = new Set(recs.map((r) => r.id));
        assert.deepEqual(got.map(idOf).filter((id) => ids.has(id)), recs.map((r) => r.id));
      }
    });

    test('ping, a lone ProbeDetails handshake: 200 OK and nothing published; a handshake with records: only the records', async () => {
      const ping = await c.post(PING);
      assertOk(ping, 'ping');
      assertOk(await c.post(PING, { path: '/rmi' }), 'ping on /rmi');
      assertOk(await c.post(multiupdate([probeDetails()])), 'lone handshake');
      await expectOnlySentinel(c, queue);

      const recs = jobRecords(uniqueName('hs'), 3);
      assertOk(await c.post(multiupdate([probeDetails(), ...recs.map((r) => r.xml)])), 'handshake + records');
      await expectOnlySentinel(c, queue, recs.map((r) => r.id));
    });

    test('urlencodedupdate with one record, a MultiUpdate command, the /rmi alias: 200 OK and the records arrive', async () => {
      const [one, ...more] = jobRecords(uniqueName('forms'), 4);
      assertOk(await c.post({ command: 'urlencodedupdate', arg1: one!.xml }), 'urlencodedupdate');
      assertOk(await c.post({ ...multiupdate([more[0]!.xml]), command: 'MultiUpdate' }), 'MultiUpdate');
      assertOk(await c.post(multiupdate([more[1]!.xml]), { path: '/rmi' }), '/rmi');
      assertOk(await c.post({ ...update([more[2]!.xml]), command: 'UPDATE' }), 'UPDATE');
      const got = await admin.drain(queue, { min: 4 });
      assertPersistent(got, JSON_TYPE);
      assert.deepEqual(got.map(idOf), [one!.id, ...more.map((r) => r.id)]);
      for (const [i, m] of got.entries()) {
        const r = [one!, ...more][i]!;
        assert.equal(compareGracc(parseJsonExact(m.content.toString()), r.expected, r.xml, false), null);
      }
    });

    test('bad requests get 400 with the documented body, and nothing of them reaches the queue', async () => {
      const recs = jobRecords(uniqueName('bad'), 3).map((r) => r.xml);
      const rejected = corpus().filter((k) => k.expected === null);
      const badRecord = rejected.find((k) => /StartTime|EndTime/.test(k.xml)) ?? rejected[0]!;
      const badEnvelope = envelope([recs[0]!, badRecord.xml]);
      const cases: [string, Record<string, string>, string | RegExp][] = [
        ['a record that must be rejected', { command: 'multiupdate', from: 'p', arg1: badEnvelope }, `Error: ${convertError([badEnvelope])}`],
        ['a broken envelope', { command: 'multiupdate', from: 'p', arg1: envelope(recs).slice(0, -40) }, /^Error: ./],
        ['not XML', { command: 'multiupdate', from: 'p', arg1: 'hello world' }, /^Error: ./],
        ['a bad replication record', { command: 'update', from: 'c', bundlesize: '2', arg1: replication([recs[0]!, badRecord.xml]) },
          `Error: ${convertError([replication([recs[0]!, badRecord.xml])])}`],
        ['bundlesize too small', { ...update(recs), bundlesize: '2' }, 'Error: bundlesize is 2 but the bundle holds 3 records'],
        ['bundlesize too large', { ...update(recs), bundlesize: '4' }, 'Error: bundlesize is 4 but the bundle holds 3 records'],
        ['bundlesize not a number', { ...update(recs), bundlesize: 'three' }, 'Error: bundlesize is not a number: "three"'],
        ['no bundlesize', { command: 'update', from: 'c', arg1: replication(recs) }, 'Error: missing field: bundlesize'],
        ['no from (update)', { command: 'update', bundlesize: '3', arg1: replication(recs) }, 'Error: missing field: from'],
        ['no from (multiupdate)', { command: 'multiupdate', arg1: envelope(recs) }, 'Error: missing field: from'],
        ['no arg1', { command: 'multiupdate', from: 'p' }, 'Error: missing field: arg1'],
        ['no command', { from: 'p', arg1: envelope(recs) }, 'Error: missing field: command'],
        ['an unknown command', { command: 'frobnicate', from: 'p', arg1: envelope(recs) }, 'Error: Unknown Command: frobnicate'],
        ['an unknown command, case kept', { command: 'MultiUpdateX', arg1: 'xxx' }, 'Error: Unknown Command: MultiUpdateX'],
      ];
      for (const [what, fields, body] of cases) {
        const a = await c.post(fields);
        assert.equal(a.status, 400, `${what}: ${a.status} ${a.body}`);
        if (typeof body === 'string') assert.equal(a.body, body, what);
        else assert.match(a.body, body, what);
      }
      await expectOnlySentinel(c, queue);
    });

    test('/stats and /metrics count records, requests and errors; /healthz and /readyz answer OK', async () => {
      const before = JSON.parse((await c.get('/stats')).body) as Record<string, number>;
      for (const k of ['Records', 'RecordErrors', 'Requests', 'RequestErrors']) assert.equal(typeof before[k], 'number', k);
      const recs = jobRecords(uniqueName('stats'), 5);
      assertOk(await c.post(multiupdate(recs.map((r) => r.xml))));
      assertOk(await c.post(PING));
      assert.equal((await c.post({ ...update(recs.map((r) => r.xml)), bundlesize: '6' })).status, 400);
      assert.equal((await admin.drain(queue, { min: 5 })).length, 5);

      const stats = await c.get('/stats');
      assert.equal(stats.status, 200);
      assert.match(String(stats.headers['content-type']), /application\/json/);
      const now = JSON.parse(stats.body) as Record<string, number>;
      assert.equal(now['Records']! - before['Records']!, 5);
      assert.equal(now['Requests']! - before['Requests']!, 3);
      assert.equal(now['RequestErrors']! - before['RequestErrors']!, 1);
      assert.ok(now['RecordErrors']! - before['RecordErrors']! >= 1);

      const metrics = await c.get('/metrics');
      assert.equal(metrics.status, 200);
      assert.match(String(metrics.headers['content-type']), /^text\/plain/);
      const value = (name: string): number => {
        const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics.body);
        assert.ok(m, `no ${name} in /metrics`);
        return Number(m[1]);
      };
      assert.equal(value('gracc_records_total'), now['Records']);
      assert.equal(value('gracc_record_errors_total'), now['RecordErrors']);
      assert.equal(value('gracc_request_errors_total'), now['RequestErrors']);
      assert.match(metrics.body, /^gracc_requests_total\{status="200"\} \d+$/m);
      assert.match(metrics.body, /^gracc_requests_total\{status="400"\} \d+$/m);
      assert.match(metrics.body, /^gracc_handshakes_total \d+$/m);
      assert.match(metrics.body, /^gracc_request_duration_seconds_bucket\{/m);
      assert.match(metrics.body, /^gracc_sink_unavailable\{sink="amqp"\} 0$/m);

      assert.deepEqual([(await c.get('/healthz')).status, (await c.get('/healthz')).body], [200, 'OK']);
      assert.deepEqual([(await c.get('/readyz')).status, (await c.get('/readyz')).body], [200, 'OK']);
      assert.equal((await c.get('/nowhere')).status, 404);
    });

    test('the request log line names the client of X-Forwarded-For (and X-Real-IP)', async () => {
      const from = uniqueName('xff');
      const n = c.logs.length;
      assertOk(await c.post({ ...PING, from }, { headers: { 'X-Forwarded-For': '203.0.113.7, 10.1.2.3' } }));
      const line = await c.waitForLog((l) => l.msg === 'request' && l['from'] === from, 5000, n);
      assert.equal(line['client'], '203.0.113.7');
      assert.equal(line['status'], 200);
      assert.equal(line['command'], 'update');

      const from2 = uniqueName('realip');
      const recs = jobRecords(from2, 2);
      assertOk(await c.post(multiupdate(recs.map((r) => r.xml), from2), { headers: { 'X-Real-IP': '198.51.100.9' } }));
      const line2 = await c.waitForLog((l) => l.msg === 'request' && l['from'] === from2, 5000, n);
      assert.equal(line2['client'], '198.51.100.9');
      assert.equal(line2['records'], 2);
      await admin.drain(queue, { min: 2 });
    });
  });

  for (const fmt of ['xml', 'raw'] as const) {
    test(`format ${fmt}: text/xml messages, ${fmt === 'raw' ? 'byte for byte the records as sent' : 'standalone documents'}`, async () => {
      const exchange = uniqueName(fmt);
      const c = await start(exchange, { GRACC_AMQP_FORMAT: fmt });
      const queue = await admin.bindQueue(exchange);
      const { envelope: envDoc, replication: repl } = realBundles();
      const gen = jobRecords(uniqueName(`${fmt}gen`), 5);
      assertOk(await c.post({ command: 'multiupdate', from: 'real-probe', arg1: envDoc }));
      assertOk(await c.post({ command: 'update', from: 'real-collector', bundlesize: '15', arg1: repl }));
      assertOk(await c.post(update(gen.map((r) => r.xml))));
      const raws = [...envelopeRecords(envDoc), ...replicationRecords(repl), ...gen.map((r) => r.xml)];
      const got = await admin.drain(queue, { min: raws.length });
      assert.equal(got.length, raws.length);
      assertPersistent(got, XML_TYPE);
      if (fmt === 'raw') {
        got.forEach((m, i) => assert.ok(m.content.equals(Buffer.from(raws[i]!, 'utf8')), `record #${i} is not byte-exact`));
      } else {
        const expected = [...convertOk([envDoc], 'xml'), ...convertOk([repl], 'xml'), ...convertOk([update(gen.map((r) => r.xml)).arg1!], 'xml')];
        got.forEach((m, i) => {
          const doc = m.content.toString('utf8');
          assert.equal(doc, expected[i], `record #${i}`);
          const type = /^<(\w+)/.exec(raws[i]!)![1]!;
          assert.equal(rootOfXml(doc), type, `record #${i}: a well-formed ${type} with its namespaces declared`);
        });
      }
      for (const [i, m] of got.entries()) {
        const want = /recordId="([^"]*)"/.exec(raws[i]!)?.[1];
        if (want !== undefined) assert.equal(idOf(m), want);
      }
    });
  }

  test('an unroutable bundle (no queue bound) gets 503; once a queue is bound, 200', async () => {
    const exchange = uniqueName('unroutable');
    const c = await start(exchange);
    const recs = jobRecords(uniqueName('nr'), 3);
    const a = await c.post(multiupdate(recs.map((r) => r.xml)));
    assert.equal(a.status, 503, a.body);
    assert.match(a.body, new RegExp(`^Error: amqp: record ${recs[0]!.id} .*returned by the broker: 312 NO_ROUTE`));
    const queue = await admin.bindQueue(exchange);
    assertOk(await c.post(multiupdate(recs.map((r) => r.xml))));
    assert.deepEqual((await admin.drain(queue, { min: 3 })).map(idOf), recs.map((r) => r.id));
  });

  test('a body over maxBodySize gets 413 (declared or chunked), and nothing is published', async () => {
    const exchange = uniqueName('small');
    const c = await start(exchange, { GRACC_MAXBODYSIZE: '4096' });
    const queue = await admin.bindQueue(exchange);
    const big = formBody(multiupdate(jobRecords(uniqueName('big'), 12).map((r) => r.xml)));
    assert.ok(big.length > 8000);
    const declared = await c.postBody(big);
    assert.equal(declared.status, 413, declared.body);
    assert.equal(declared.body, 'Error: request body larger than 4096 bytes');
    async function* chunked() {
      for (let i = 0; i < big.length; i += 1000) yield Buffer.from(big.slice(i, i + 1000));
    }
    const streamed = await c.postBody(Readable.from(chunked()));
    assert.equal(streamed.status, 413, streamed.body);
    assert.equal(streamed.body, 'Error: request body larger than 4096 bytes');
    assert.equal((await c.post(PING)).status, 200);
    await expectOnlySentinel(c, queue);
  });

  test('memory alarm (watermark 0): new bundles get 503 within 100 ms, /readyz 503; restored: 200 again, same process', async (t) => {
    const exchange = uniqueName('alarm');
    const c = await start(exchange);
    const queue = await admin.bindQueue(exchange);
    const okIds: string[] = [];
    /**
     * Posts 3 records, on the kept-alive client or on a new connection. With workers, the
     * kept-alive connection stays on one and a new one goes to a worker with fewer open: so
     * the two alternated reach both.
     */
    const post = async (tag: string, fresh = false): Promise<HttpAnswer> => {
      const recs = jobRecords(uniqueName(tag), 3);
      const a = fresh ? await c.postFresh(multiupdate(recs.map((r) => r.xml))) : await c.post(multiupdate(recs.map((r) => r.xml)));
      assert.ok(!('error' in a), `no answer: ${'error' in a ? a.error : ''}`);
      if (a.status === 200) okIds.push(...recs.map((r) => r.id));
      return a;
    };
    assertOk(await post('pre'));
    const pid = c.pid;
    await withMemoryAlarm(async () => {
      // RabbitMQ tells a connection it is blocked once that connection publishes: the first
      // bundle of each broker connection (one a worker) after the alarm fails later than the next ones
      const from = c.logs.length;
      const blockedPids = () => new Set(c.logs.slice(from).filter((l) => l.msg === 'the amqp broker blocked the connection').map((l) => l['pid']));
      const firsts: HttpAnswer[] = [];
      await waitUntil(async () => {
        firsts.push(await post('first', firsts.length % 2 === 1));
        return blockedPids().size >= c.workers;
      }, 20_000, `all ${c.workers} broker connection(s) blocked`);
      for (const a of firsts) {
        assert.ok(a.status === 503 || a.status === 200, `${a.status} ${a.body}`);
        assert.ok(a.ms < 6000, `a first bundle took ${a.ms} ms`);
      }
      assert.ok(firsts.some((a) => a.status === 503 && /blocked/.test(a.body)), JSON.stringify(firsts.map((a) => a.body)));
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const a = await post('blocked', i % 2 === 1);
        assert.equal(a.status, 503, a.body);
        assert.match(a.body, /^Error: amqp: .*blocked/);
        times.push(Math.round(a.ms));
      }
      t.diagnostic(`${c.workers} worker(s); first bundles after the alarm: ${firsts.map((a) => `${a.status} in ${Math.round(a.ms)} ms`).join(', ')}; then: ${times.join(', ')} ms`);
      assert.ok(Math.max(...times) < 100, `answer times while blocked: ${times.join(', ')} ms`);
      const ready = await c.get('/readyz');
      assert.equal(ready.status, 503);
      assert.match(ready.body, /^Error: amqp: .*blocked/);
      assert.match((await c.get('/metrics')).body, /^gracc_sink_unavailable\{sink="amqp"\} 1$/m);
    });
    await c.waitReady(10_000);
    for (let i = 0; i < 2 * c.workers; i++) assertOk(await post('post', true));
    assert.equal(c.pid, pid);
    assert.equal(c.exit, undefined, 'the collector was not restarted');
    assert.ok(!c.logs.some((l) => l.msg === 'a worker died: starting another'), 'no worker was restarted');
    const got = new Set((await admin.drain(queue, { min: okIds.length })).map(idOf));
    assert.deepEqual(okIds.filter((id) => !got.has(id)), [], 'records of 200-answered bundles missing');
  });

  test('stop_app during a stream of bundles: 503s, start_app: 200s again; no record of a 200-answered bundle is missing', async (t) => {
    const exchange = uniqueName('outage');
    // durable exchange and queue, so that the binding and the messages outlive the outage
    const c = await start(exchange, { GRACC_AMQP_DURABLE: 'true', GRACC_AMQP_AUTODELETE: 'false' });
    admin.own(exchange);
    const queue = await admin.bindQueue(exchange, { declare: { type: 'fanout', durable: true, autoDelete: false }, durable: true });

    type Outcome = { at: number; status: number; ids: string[]; body: string; ms: number };
    const outcomes: Outcome[] = [];
    const failures: string[] = [];
    let streaming = true;
    const worker = async (w: number) => {
      for (let seq = 0; streaming; seq++) {
        const recs = jobRecords(`${exchange}-w${w}-${seq}`, 10);
        try {
          const a = await c.post(seq % 2 ? update(recs.map((r) => r.xml)) : multiupdate(recs.map((r) => r.xml)));
          outcomes.push({ at: Date.now(), status: a.status, ids: recs.map((r) => r.id), body: a.body, ms: a.ms });
          if (a.status !== 200) await sleep(20);
        } catch (e) {
          failures.push(String(e));
          await sleep(20);
        }
      }
    };
    const stream = Promise.all([0, 1, 2, 3].map(worker));
    let stoppedAt = 0;
    let startedAt = 0;
    try {
      await waitUntil(() => outcomes.filter((o) => o.status === 200).length >= 20, 10_000, '20 bundles answered 200');
      await withAppStopped(async () => {
        stoppedAt = Date.now();
        await waitUntil(() => outcomes.some((o) => o.at > stoppedAt && o.status === 503), 10_000, 'a 503 after stop_app');
        const ready = await c.get('/readyz');
        assert.equal(ready.status, 503, ready.body);
        assert.match(ready.body, /not connected/);
        await sleep(500);
      });
      startedAt = Date.now();
      await waitUntil(() => outcomes.filter((o) => o.at > startedAt && o.status === 200).length >= 20, 20_000, '20 bundles answered 200 after start_app');
    } finally {
      streaming = false;
      await stream;
    }
    assert.deepEqual(failures, [], 'every request answered');
    const statuses = new Set(outcomes.map((o) => o.status));
    assert.deepEqual([...statuses].filter((s) => s !== 200 && s !== 503), [], `only 200 and 503: ${JSON.stringify(outcomes.find((o) => o.status !== 200 && o.status !== 503))}`);
    const down = outcomes.filter((o) => o.at > stoppedAt && o.at < startedAt);
    assert.ok(down.some((o) => o.status === 503));
    // failed at once (down), not after the 5 s confirm timeout
    const slowest = Math.max(...outcomes.map((o) => o.ms));
    assert.ok(slowest < 3000, `an answer took ${Math.round(slowest)} ms`);
    const okIds = outcomes.filter((o) => o.status === 200).flatMap((o) => o.ids);
    t.diagnostic(`${outcomes.length} bundles: ${okIds.length / 10} answered 200, ${outcomes.filter((o) => o.status === 503).length} 503; longest answer ${Math.round(slowest)} ms`);
    const got = new Set((await admin.drain(queue, { min: okIds.length, timeoutMs: 20_000 })).map(idOf));
    const missing = okIds.filter((id) => !got.has(id));
    assert.deepEqual(missing.slice(0, 20), [], `${missing.length} of ${okIds.length} records of 200-answered bundles missing`);
    await c.waitReady(5000);
  });

  test('SIGTERM during load: the bundles in flight are answered 200 and published, then the process exits 0', async (t) => {
    const exchange = uniqueName('sigterm');
    const c = await start(exchange);
    const queue = await admin.bindQueue(exchange);

    // slow senders: the request is in, half its body sent, when SIGTERM comes
    let finish!: () => void;
    const finishBodies = new Promise<void>((resolve) => (finish = resolve));
    const slowBundles = [0, 1, 2, 3].map((i) => jobRecords(uniqueName(`slow${i}`), 30));
    const slow = slowBundles.map((recs) => c.postInTwoHalves(update(recs.map((r) => r.xml)), finishBodies));

    // fast senders, each bundle on a new connection, until the collector stops accepting
    const okIds: string[] = [];
    const statuses: number[] = [];
    const refusals: string[] = [];
    let sigtermAt = Infinity;
    const fast = [0, 1, 2, 3].map(async (w) => {
      for (let seq = 0; ; seq++) {
        const recs = jobRecords(`${exchange}-f${w}-${seq}`, 20);
        const r = await c.postFresh(multiupdate(recs.map((x) => x.xml)));
        if ('error' in r) {
          refusals.push(r.error);
          if (Date.now() > sigtermAt) return;
          await sleep(10);
          continue;
        }
        statuses.push(r.status);
        if (r.status === 200) okIds.push(...recs.map((x) => x.id));
      }
    });

    await waitUntil(() => statuses.length >= 20, 10_000, '20 fast bundles answered');
    await sleep(100);
    sigtermAt = Date.now();
    const exited = c.stop('SIGTERM', 20_000);
    await sleep(300);
    finish();
    const slowAnswers = await Promise.all(slow);
    const exit = await exited;
    await Promise.all(fast);

    t.diagnostic(`${statuses.length} fast bundles answered, ${refusals.length} refused: ${[...new Set(refusals)].join('; ')}`);
    assert.deepEqual(exit, { code: 0, signal: null }, `exit; stderr: ${c.stderr}`);
    for (const [i, a] of slowAnswers.entries()) assert.deepEqual('error' in a ? a : [a.status, a.body], [200, 'OK'], `slow bundle ${i}`);
    assert.deepEqual(statuses.filter((s) => s !== 200), [], 'every fast bundle answered was answered 200');
    assert.ok(refusals.every((e) => /ECONNREFUSED|ECONNRESET|socket hang up|EPIPE/.test(e)), refusals.join('; '));
    const wanted = [...okIds, ...slowBundles.flat().map((r) => r.id)];
    const got = new Set((await admin.drain(queue, { min: wanted.length })).map(idOf));
    assert.deepEqual(wanted.filter((id) => !got.has(id)), [], 'records of 200-answered bundles missing');
    assert.ok(c.logs.some((l) => l.msg === 'stopping: answering the bundles in flight'));
    assert.ok(c.logs.some((l) => l.msg === 'stopped'));
  });
});
