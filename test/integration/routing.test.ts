// Routing by record, through the whole collector (dist/src/cli.js as a child process) and its
// HTTP endpoint: `[amqp] routingKey` as a template on a topic exchange of the real RabbitMQ,
// with queues bound by routing key, and `[kafka] topic` and `key` as templates on the real
// Kafka, each topic read back; a topic the brokers will not create is a 503, never an OK.
// With [[transforms]] too: a filter dropping the test VO and a set from a mapping file before
// the routing; `update` bundles whose bundlesize counts every record received answer OK,
// each queue gets exactly the records kept, and /metrics counts the dropped and changed ones.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ConsumeMessage } from 'amqplib';
import { corpus, jobRecord, jobRecords, multiupdate, parseJsonExact, realBundles, update } from '../support/bundles';
import { CollectorProcess, type HttpAnswer } from '../support/collector-process';
import { convertOk } from '../support/convert';
import { ensureKafka, KAFKA_BROKER, KafkaTestClient, uniqueTopic } from '../support/kafka';
import { uniqueName } from '../support/rabbit';
import { rabbitSuite } from '../support/rabbit-suite';

/** A job record of VO `vo` (none when null). */
const ofVo = (id: string, vo: string | null): string =>
  jobRecord(id).xml.replace('<VOName>osg</VOName>', vo === null ? '' : `<VOName>${vo}</VOName>`);

const storage = corpus().find((c) => c.kind === 'StorageElementRecord')!.xml;

function assertOk(a: HttpAnswer, what: string): void {
  assert.equal(a.status, 200, `${what}: ${a.status} ${a.body}`);
  assert.equal(a.body, 'OK');
}

const idOf = (m: ConsumeMessage): string => {
  const o = JSON.parse(m.content.toString('utf8')) as Record<string, unknown>;
  return String(o['RecordId'] ?? o['UniqueID']);
};

describe('routing keys by record on a RabbitMQ topic exchange', { timeout: 60_000 }, () => {
  const { admin, track } = rabbitSuite();
  const exchange = uniqueName('routed');
  let c: CollectorProcess;
  const queues: Record<string, string> = {};

  before(async () => {
    c = track(await CollectorProcess.start({
      config: [
        'timeout = "5s"',
        '[amqp]', 'enable = true', 'host = "127.0.0.1"', `exchange = "${exchange}"`, 'exchangeType = "topic"',
        'routingKey = "{type}.{VOName:-unknown}"', 'retry = "200ms"', 'maxRetry = "2s"',
        '[file]', 'enable = false', '',
      ].join('\n'),
    }));
    for (const binding of ['JobUsageRecord.cms', '*.unknown', 'StorageElementRecord.#']) queues[binding] = await admin.bindQueue(exchange, { routingKey: binding });
  });

  test('each queue gets exactly the records whose routing key its binding matches, with that key', async () => {
    const bundle = [ofVo('cms-1', 'cms'), ofVo('no-vo', null), storage, ofVo('cms-2', 'cms')];
    assertOk(await c.post(multiupdate(bundle)), 'the bundle');
    const storageId = String(parseJsonExact(convertOk([storage])[0]!)['UniqueID']);
    const expected: Record<string, [string, string][]> = {
      'JobUsageRecord.cms': [['cms-1', 'JobUsageRecord.cms'], ['cms-2', 'JobUsageRecord.cms']],
      '*.unknown': [['no-vo', 'JobUsageRecord.unknown'], [storageId, 'StorageElementRecord.unknown']],
      'StorageElementRecord.#': [[storageId, 'StorageElementRecord.unknown']],
    };
    for (const [binding, want] of Object.entries(expected)) {
      const got = await admin.drain(queues[binding]!, { min: want.length, quietMs: 300 });
      assert.deepEqual(got.map((m) => [idOf(m), m.fields.routingKey]), want, `queue bound by ${binding}`);
    }
  });

  test('a record whose routing key no binding matches is returned: 503, and the others of its bundle are not OK either', async () => {
    const answer = await c.post(multiupdate([ofVo('cms-3', 'cms'), ofVo('osg-1', 'osg')]));
    assert.equal(answer.status, 503, answer.body);
    assert.match(answer.body, /amqp: record osg-1 \(#1 of the bundle\) returned by the broker: 312 NO_ROUTE .*routing key 'JobUsageRecord\.osg'/);
  });
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gracc-it-transforms-'));
const SITES = path.join(dir, 'probe-sites.csv');
fs.writeFileSync(SITES, '# ProbeName,site\ncondor:ce.example.org,CE Example Site\n');

/** Generated records of VO `vo` from probe `probe`, ids `<prefix>-0`, …. */
function records(prefix: string, count: number, vo: string, probe = 'condor:ce.example.org') {
  return jobRecords(prefix, count).map((r) => ({
    id: r.id,
    vo,
    xml: r.xml.replace('<VOName>osg</VOName>', `<VOName>${vo}</VOName>`).replace('<ProbeName>condor:ce.example.org</ProbeName>', `<ProbeName>${probe}</ProbeName>`),
  }));
}

/** The value of one sample of the Prometheus text, 0 when it is not there. */
function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('transforms and routing keys by record on a RabbitMQ topic exchange', { timeout: 60_000 }, () => {
  const { admin, track } = rabbitSuite();
  let c: CollectorProcess;
  const queues: Record<string, string> = {};
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  before(async () => {
    const exchange = uniqueName('transformed');
    c = track(await CollectorProcess.start({
      config: [
        'timeout = "5s"',
        `[amqp]\nenable = true\nhost = "127.0.0.1"\nexchange = "${exchange}"\nexchangeType = "topic"\nroutingKey = "{type}.{VOName:-unknown}"\nretry = "200ms"\nmaxRetry = "2s"`,
        '[file]\nenable = false',
        '[[transforms]]\ntype = "filter"\nname = "no-test-vo"\naction = "drop"\nconditions = [{ field = "VOName", oneOf = ["test", "dteam"] }]',
        `[[transforms]]\ntype = "set"\nname = "site"\n[transforms.fields]\nOIM_Site = { lookup = ${JSON.stringify(SITES)}, key = "{ProbeName}", default = "unknown" }`,
      ].join('\n\n') + '\n',
    }));
    for (const binding of ['JobUsageRecord.osg', 'JobUsageRecord.cms']) queues[binding] = await admin.bindQueue(exchange, { routingKey: binding });
  });

  test('update bundles with filtered records answer OK; each queue gets exactly the kept records its binding matches, with the field set; /metrics counts', async () => {
    const before = (await c.get('/metrics')).body;
    const first = [...records('a-osg', 2, 'osg'), ...records('a-test', 2, 'test'), ...records('a-other', 1, 'osg', 'condor:other.example.org')];
    const second = [...records('b-dteam', 1, 'dteam'), ...records('b-cms', 2, 'cms')];
    const allDropped = records('c-test', 3, 'test');
    for (const bundle of [first, second, allDropped]) {
      const answer = await c.post(update(bundle.map((r) => r.xml)));
      assert.deepEqual([answer.status, answer.body], [200, 'OK'], `bundlesize ${bundle.length}: ${answer.body}`);
    }
    // bundlesize still counts the records as received: the kept ones alone are a mismatch
    const mismatch = await c.post({ ...update(first.map((r) => r.xml)), bundlesize: '3' });
    assert.deepEqual([mismatch.status, mismatch.body], [400, 'Error: bundlesize is 3 but the bundle holds 5 records']);
    const probe = await c.post(multiupdate([...records('d-osg', 1, 'osg'), ...records('d-test', 1, 'test')].map((r) => r.xml)));
    assert.equal(probe.status, 200, probe.body);

    const kept = [...first, ...second, ...allDropped, ...records('d-osg', 1, 'osg')].filter((r) => r.vo !== 'test' && r.vo !== 'dteam');
    for (const vo of ['osg', 'cms']) {
      const want = kept.filter((r) => r.vo === vo).map((r) => r.id);
      const got = await admin.drain(queues[`JobUsageRecord.${vo}`]!, { min: want.length, quietMs: 300 });
      const bodies = got.map((m) => JSON.parse(m.content.toString('utf8')) as Record<string, unknown>);
      assert.deepEqual(bodies.map((b) => b['RecordId']), want, `the ${vo} queue: exactly its records kept, in order`);
      assert.deepEqual(got.map((m) => m.fields.routingKey), want.map(() => `JobUsageRecord.${vo}`));
      assert.deepEqual(bodies.map((b) => b['OIM_Site']), want.map((id) => (id.startsWith('a-other') ? 'unknown' : 'CE Example Site')));
      for (const b of bodies) assert.equal(Object.keys(b).at(-1), 'RawXML', 'RawXML stays last');
    }
    const metrics = (await c.get('/metrics')).body;
    const grew = (name: string, transform: string) => sample(metrics, name, `transform="${transform}"`) - sample(before, name, `transform="${transform}"`);
    // dropped: 2 + 1 + 3 + 1 of the OK bundles, and the 2 of the bundle refused for its bundlesize (counted as the filter saw them)
    assert.equal(grew('gracc_transform_dropped_total', 'no-test-vo'), 2 + 1 + 3 + 1 + 2);
    assert.equal(grew('gracc_transform_changed_total', 'site'), kept.length + 3);
    assert.match(metrics, /^gracc_transform_changed_total\{transform="no-test-vo"\} 0$/m, 'every transform shown from the start');
  });
});

describe('topics and keys by record on Kafka', { timeout: 120_000 }, () => {
  let client: KafkaTestClient;
  const collectors: CollectorProcess[] = [];

  before(() => {
    ensureKafka();
    client = new KafkaTestClient([KAFKA_BROKER], 'gracc-it-routing-reader');
  });
  after(async () => {
    await Promise.all(collectors.map((c) => c.close()));
    await client?.close();
  });

  /** A collector publishing to Kafka only, with these [kafka] topic and key templates. */
  async function start(topic: string, key: string): Promise<CollectorProcess> {
    const c = await CollectorProcess.start({
      config: ['timeout = "5s"', '[amqp]', 'enable = false', '[kafka]', 'enable = true', `brokers = ["${KAFKA_BROKER}"]`,
        `topic = "${topic}"`, `key = "${key}"`, '[file]', 'enable = false', ''].join('\n'),
      startTimeoutMs: 30_000,
    });
    collectors.push(c);
    return c;
  }

  test('topic "<prefix>-{type}", key "{type}:{RecordId}{UniqueID}": each record in its type\'s topic (created on first use), with its key', async () => {
    const prefix = uniqueTopic('route');
    const c = await start(`${prefix}-{type}`, '{type}:{RecordId}{UniqueID}');
    const { replication } = realBundles();
    assertOk(await c.post({ command: 'update', from: 'it-collector', bundlesize: '15', arg1: replication }), 'the real replication bundle');
    const byType = new Map<string, string[]>();
    const bodies = new Map<string, string[]>();
    for (const json of convertOk([replication])) {
      const o = parseJsonExact(json);
      const type = String(o['type']);
      byType.set(type, [...(byType.get(type) ?? []), `${type}:${String(o['RecordId'] ?? '')}${String(o['UniqueID'] ?? '')}`]);
      bodies.set(type, [...(bodies.get(type) ?? []), json]);
    }
    assert.deepEqual([...byType.keys()].sort(), ['JobUsageRecord', 'StorageElement', 'StorageElementRecord']);
    for (const [type, keys] of byType) {
      const topic = `${prefix}-${type}`;
      client.own(topic);
      const got = await client.readTopic(topic, { atLeast: keys.length });
      assert.deepEqual(got.map((m) => m.key?.toString()), keys, `keys in ${topic}`);
      assert.deepEqual(got.map((m) => m.value?.toString()), bodies.get(type), `records in ${topic}`);
    }
  });

  test('a topic the brokers will not create (its name collides with an existing one) fails the bundle: 503, never OK; other topics go on', async (t) => {
    const prefix = uniqueTopic('clash').replace(/-/g, '_');
    // Kafka refuses a topic whose name differs from an existing one only in "." against "_".
    await client.createTopic({ name: `${prefix}.osg` });
    const c = await start(`${prefix}_{VOName}`, '');
    const refused = await c.post(multiupdate([ofVo('osg-1', 'osg')]));
    assert.equal(refused.status, 503, `${refused.status} ${refused.body}`);
    assert.match(refused.body, /^Error: kafka: /);
    t.diagnostic(`answer: ${refused.body}`);
    await c.waitReady(30_000);
    client.own(`${prefix}_cms`);
    assertOk(await c.post(multiupdate([ofVo('cms-1', 'cms')])), 'a bundle for a topic that can be created');
    const got = await client.readTopic(`${prefix}_cms`, { atLeast: 1 });
    assert.deepEqual(got.map((m) => m.key?.toString()), ['cms-1']);
    await c.waitReady(30_000);
    const mixed = await c.post(multiupdate([ofVo('cms-2', 'cms'), ofVo('osg-2', 'osg')]));
    assert.equal(mixed.status, 503, `a bundle with one record for the refused topic: ${mixed.status} ${mixed.body}`);
  });
});
