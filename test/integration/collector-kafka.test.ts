// The whole collector (dist/src/cli.js as a child process) publishing to the real Kafka of
// scripts/services.sh (127.0.0.1:9092), alone or together with the real RabbitMQ
// (127.0.0.1:5672), through its HTTP endpoint: what a 200 answer promises (every record of
// the bundle in the topic, keyed by its record id, and in the queue, each in its sink's
// format), and what happens while Kafka is down (503 naming kafka, /readyz 503) and after it
// is back (200 again, same processes, no record of a 200-answered bundle missing).
// One test stops Kafka for a few seconds; it is always started again.
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { ConsumeMessage } from 'amqplib';
import type { Format } from '../../src/records/formats';
import {
  compareGracc, envelopeRecords, type GeneratedRecord, jobRecords, multiupdate, parseJsonExact, realBundles, replicationRecords, update, rootOfXml,
} from '../support/bundles';
import { CollectorProcess, type HttpAnswer, sleep, waitUntil } from '../support/collector-process';
import { convertOk } from '../support/convert';
import { ensureKafka, headerText, KAFKA_BROKER, KafkaTestClient, restoreKafka, type TopicMessage, withKafkaStopped } from '../support/kafka';
import { ensureRabbit, RabbitAdmin, uniqueName } from '../support/rabbit';

const CONTENT_TYPE: Record<Format, string> = { json: 'application/json', xml: 'text/xml', raw: 'text/xml' };
const TIMEOUT_MS = 5000;

/**
 * What RabbitMQ's memory alarm or stop_app does to the AMQP sink. This file never does either,
 * but other tests sharing the broker (collector-amqp, amqp-sink) do, briefly: an AMQP failure
 * of that kind starts a test of the formats again from scratch (up to 3 times), and is not
 * held against the Kafka outage test (it is counted in its diagnostics).
 */
const RABBIT_DISTURBED = /^(Error: )?amqp: (\S+ blocked the connection|not connected to |the channel to \S+ closed before)/;

/** An AMQP failure that only another test's doing explains (see RABBIT_DISTURBED). */
class RabbitDisturbed extends Error {}

/** Runs `attempt` again from scratch when it met RabbitMQ disturbed by another test, at most 3 times in all. */
async function unlessRabbitDisturbed(t: TestContext, attempt: () => Promise<void>): Promise<void> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof RabbitDisturbed) || n >= 3) throw e;
      t.diagnostic(`attempt ${n}: ${e.message}: RabbitMQ was disturbed by another test; again from scratch`);
      await sleep(2000);
    }
  }
}

/** GRACC_TEST_WORKERS=n runs every collector with `workers = n` (default: the collector's default, one per CPU). */
const WORKERS: Record<string, string> = process.env['GRACC_TEST_WORKERS'] ? { GRACC_WORKERS: process.env['GRACC_TEST_WORKERS'] } : {};

interface Sinks {
  /** Omitted: AMQP disabled (GRACC_AMQP_ENABLE=false). */
  readonly amqp?: { readonly exchange: string; readonly format: Format };
  readonly kafka: { readonly topic: string; readonly format: Format };
}

/** A collector publishing to Kafka (and RabbitMQ, when given), 5 s confirm timeout, no file sink. */
function startCollector(sinks: Sinks): Promise<CollectorProcess> {
  const amqp: Record<string, string> = sinks.amqp
    ? { GRACC_AMQP_EXCHANGE: sinks.amqp.exchange, GRACC_AMQP_FORMAT: sinks.amqp.format, GRACC_AMQP_RETRY: '200ms', GRACC_AMQP_MAXRETRY: '2s' }
    : { GRACC_AMQP_ENABLE: 'false' };
  return CollectorProcess.start({
    config: `timeout = "${TIMEOUT_MS / 1000}s"\n\n[amqp]\nenable = true\nhost = "127.0.0.1"\nexchangeType = "fanout"\n\n[file]\nenable = false\n`,
    env: {
      GRACC_KAFKA_ENABLE: 'true',
      GRACC_KAFKA_BROKERS: KAFKA_BROKER,
      GRACC_KAFKA_TOPIC: sinks.kafka.topic,
      GRACC_KAFKA_FORMAT: sinks.kafka.format,
      ...amqp,
      ...WORKERS,
    },
    startTimeoutMs: 30_000,
  });
}

function assertOk(a: HttpAnswer | { error: string }, what = 'the bundle'): void {
  assert.ok(!('error' in a), `${what}: no answer: ${'error' in a ? a.error : ''}`);
  if (a.status === 503 && RABBIT_DISTURBED.test(a.body)) throw new RabbitDisturbed(`${what}: ${a.status} ${a.body}`);
  assert.equal(a.status, 200, `${what}: ${a.status} ${a.body}`);
  assert.equal(a.body, 'OK');
}

/** What one record must look like in each format. */
interface Expected {
  /** RecordId, or UniqueID for storage records: the Kafka key. */
  readonly id: string;
  /** The record text exactly as sent. */
  readonly raw: string;
  readonly json: string;
  readonly xml: string;
  /** Part of its GRACC JSON, worked out independently of the collector (generated records). */
  readonly gracc?: Record<string, unknown>;
}

/**
 * The records of a payload as the collector must publish them: json and xml as the
 * collector's own record path converts them (test/support/convert), the raw text as sent.
 */
function expectations(payload: string, raws: readonly string[], generated?: readonly GeneratedRecord[]): Expected[] {
  const json = convertOk([payload], 'json');
  const xml = convertOk([payload], 'xml');
  assert.equal(json.length, raws.length, 'records in the payload');
  return json.map((j, i) => {
    const o = parseJsonExact(j);
    const id = String(o['RecordId'] ?? o['UniqueID'] ?? '');
    if (generated) assert.equal(id, generated[i]!.id);
    return { id, raw: raws[i]!, json: j, xml: xml[i]!, ...(generated ? { gracc: generated[i]!.expected } : {}) };
  });
}

/** A published message, from either broker. */
interface Got {
  readonly body: Buffer;
  readonly contentType: string | undefined;
  /** Kafka only: the message key (null when none). */
  readonly key?: string | null;
}

const fromAmqp = (m: ConsumeMessage): Got => {
  assert.equal(m.properties.deliveryMode, 2, 'persistent');
  return { body: m.content, contentType: m.properties.contentType as string | undefined };
};
const fromKafka = (m: TopicMessage): Got => ({ body: m.value ?? Buffer.alloc(0), contentType: headerText(m, 'content-type'), key: m.key?.toString() ?? null });

/** The record id in a message of any format (RecordId / UniqueID of JSON, recordId attribute / UniqueID element of XML). */
function idIn(got: Got): string {
  const text = got.body.toString('utf8');
  if (got.contentType === CONTENT_TYPE.json) {
    const o = JSON.parse(text) as Record<string, unknown>;
    return String(o['RecordId'] ?? o['UniqueID']);
  }
  return /recordId="([^"]*)"/.exec(text)?.[1] ?? /<(?:\w+:)?UniqueID>([^<]*)</.exec(text)?.[1] ?? '';
}


/** What is wrong with a message that should be this record in this format (Kafka: also its key), or null. */
function problemOf(got: Got | undefined, e: Expected, fmt: Format): string | null {
  if (!got) return `record ${e.id} is missing`;
  if (got.contentType !== CONTENT_TYPE[fmt]) return `record ${e.id}: content type ${String(got.contentType)}, not ${CONTENT_TYPE[fmt]}`;
  if (got.key !== undefined && got.key !== e.id) return `record ${e.id}: Kafka key ${String(got.key)}`;
  const text = got.body.toString('utf8');
  switch (fmt) {
    case 'raw':
      if (!got.body.equals(Buffer.from(e.raw, 'utf8'))) return `record ${e.id}: not byte for byte the record as sent`;
      break;
    case 'json': {
      if (text !== e.json) return `record ${e.id}: JSON differs: ${text.slice(0, 200)}`;
      const o = parseJsonExact(text);
      if (o['RawXML'] !== e.raw) return `record ${e.id}: RawXML is not the record as sent`;
      if (e.gracc) {
        const why = compareGracc(o, e.gracc, e.raw, false);
        if (why) return `record ${e.id}: ${why}`;
      }
      break;
    }
    case 'xml': {
      if (text !== e.xml) return `record ${e.id}: XML differs: ${text.slice(0, 200)}`;
      const type = /^<(?:\w+:)?(\w+)/.exec(e.raw)![1]!;
      if (rootOfXml(text) !== type) return `record ${e.id}: not a well-formed ${type} document`;
      break;
    }
  }
  return null;
}

/** Checks messages that must be exactly these records, in this order. */
function assertInOrder(sink: string, got: readonly Got[], expected: readonly Expected[], fmt: Format): void {
  assert.equal(got.length, expected.length, `${sink}: messages`);
  const problems = expected.map((e, i) => problemOf(got[i], e, fmt)).filter((p) => p !== null);
  assert.deepEqual(problems.slice(0, 10), [], `${sink}: ${problems.length} records wrong`);
}

/**
 * Checks that every expected record (unique ids) is among the messages, right in this
 * format; with `once`, exactly once and nothing else is there.
 */
function assertContains(sink: string, got: readonly Got[], expected: readonly Expected[], fmt: Format, once: boolean): void {
  const byId = new Map<string, Got[]>();
  for (const m of got) {
    const id = m.key ?? idIn(m);
    let list = byId.get(id);
    if (!list) byId.set(id, (list = []));
    list.push(m);
  }
  const problems: string[] = [];
  for (const e of expected) {
    const copies = byId.get(e.id) ?? [];
    if (once && copies.length !== 1) problems.push(`record ${e.id} published ${copies.length} times`);
    // at-least-once: each copy must be right
    for (const copy of copies.length > 0 ? copies : [undefined]) {
      const why = problemOf(copy, e, fmt);
      if (why) problems.push(why);
    }
  }
  if (once) assert.equal(got.length, expected.length, `${sink}: messages`);
  assert.deepEqual(problems.slice(0, 10), [], `${sink}: ${problems.length} problems among ${expected.length} records`);
}

/** Asserts that, among the messages, the records of each bundle come in the bundle's order. */
function assertBundleOrder(sink: string, got: readonly Got[], bundles: readonly (readonly Expected[])[]): void {
  const ids = got.map((m) => m.key ?? idIn(m));
  for (const b of bundles) {
    const mine = new Set(b.map((e) => e.id));
    assert.deepEqual(ids.filter((id) => mine.has(id)), b.map((e) => e.id), `${sink}: records of a bundle out of order`);
  }
}

/** Generated bundles: mostly small, a few padded, one over the Kafka sink's 512 KiB a send (goes out in several). */
function generatedBundles(tag: string): { form: Record<string, string>; expected: Expected[] }[] {
  const shapes: [number, number][] = [
    [1, 0], [5, 0], [40, 0], [25, 200], [60, 50], [10, 4000], [3, 0], [80, 0], [30, 1000], [2, 0], [15, 300], [50, 10],
    [300, 2500], // ~0.8 MiB
  ];
  return shapes.map(([count, padding], b) => {
    const recs = jobRecords(uniqueName(`${tag}${b}`), count, padding);
    const form = b % 2 === 0 ? multiupdate(recs.map((r) => r.xml)) : update(recs.map((r) => r.xml));
    return { form, expected: expectations(form['arg1']!, recs.map((r) => r.xml), recs) };
  });
}

describe('gracc-collector over Kafka (and RabbitMQ), through its HTTP endpoint', { timeout: 170_000 }, () => {
  const rabbit = new RabbitAdmin();
  const kafka = new KafkaTestClient();
  const collectors: CollectorProcess[] = [];
  const start = async (sinks: Sinks) => {
    const c = await startCollector(sinks);
    collectors.push(c);
    return c;
  };

  before(async () => {
    ensureRabbit();
    ensureKafka();
    await rabbit.channel();
  });

  after(async () => {
    await restoreKafka();
    await Promise.all(collectors.map((c) => c.close()));
    await rabbit.close();
    await kafka.close();
  });

  const real = () => {
    const { envelope, replication } = realBundles();
    return {
      envelope: { form: { command: 'multiupdate', from: 'real-probe', arg1: envelope }, expected: expectations(envelope, envelopeRecords(envelope)) },
      replication: {
        form: { command: 'update', from: 'real-collector', bundlesize: '15', arg1: replication },
        expected: expectations(replication, replicationRecords(replication)),
      },
    };
  };

  for (const [amqpFormat, kafkaFormat] of [['json', 'raw'], ['raw', 'json']] as const) {
    test(`both sinks, AMQP ${amqpFormat} and Kafka ${kafkaFormat}: every record of every 200-answered bundle, the real ones and generated ones, is in the queue and in the topic, in each sink's format, keyed by record id in Kafka`, (t) => unlessRabbitDisturbed(t, async () => {
      const exchange = uniqueName(`both-${amqpFormat}`);
      const topic = await kafka.createTopic({ what: `both-${kafkaFormat}` });
      const c = await start({ amqp: { exchange, format: amqpFormat }, kafka: { topic, format: kafkaFormat } });
      const queue = await rabbit.bindQueue(exchange);

      // the real bundles, one after the other (their record ids repeat): in order in both sinks
      const { envelope, replication } = real();
      assertOk(await c.post(envelope.form), 'real envelope');
      assertOk(await c.post(replication.form), 'real replication bundle');
      const realExpected = [...envelope.expected, ...replication.expected];
      assert.equal(realExpected.length, 26);
      assertInOrder('amqp', (await rabbit.drain(queue, { min: 26 })).map(fromAmqp), realExpected, amqpFormat);
      // OK came once Kafka acknowledged every record (acks=all): the topic holds them already, read it as it is
      assertInOrder('kafka', (await kafka.readTopic(topic)).map(fromKafka), realExpected, kafkaFormat);

      // generated bundles, posted at once: each record once in each sink, a bundle's records in its order
      const bundles = generatedBundles(`gen-${kafkaFormat}`);
      const answers = await Promise.all(bundles.map((b) => c.post(b.form)));
      answers.forEach((a, i) => assertOk(a, `generated bundle ${i}`));
      const all = bundles.flatMap((b) => b.expected);
      const amqpGot = (await rabbit.drain(queue, { min: all.length, timeoutMs: 20_000 })).map(fromAmqp);
      assertContains('amqp', amqpGot, all, amqpFormat, true);
      assertBundleOrder('amqp', amqpGot, bundles.map((b) => b.expected));
      const kafkaGot = (await kafka.readTopic(topic)).map(fromKafka).slice(26);
      assertContains('kafka', kafkaGot, all, kafkaFormat, true);
      assertBundleOrder('kafka', kafkaGot, bundles.map((b) => b.expected));
    }));
  }

  test('Kafka alone (AMQP disabled), xml: every record of every 200-answered bundle is in the topic, a standalone document keyed by record id', async () => {
    const topic = await kafka.createTopic({ what: 'alone-xml' });
    const c = await start({ kafka: { topic, format: 'xml' } });
    assert.ok(!(await c.get('/metrics')).body.includes('sink="amqp"'), 'no AMQP sink');
    const { envelope, replication } = real();
    assertOk(await c.post(envelope.form), 'real envelope');
    assertOk(await c.post(replication.form), 'real replication bundle');
    const bundles = generatedBundles('alone');
    (await Promise.all(bundles.map((b) => c.post(b.form)))).forEach((a, i) => assertOk(a, `generated bundle ${i}`));
    const all = bundles.flatMap((b) => b.expected);
    const got = (await kafka.readTopic(topic)).map(fromKafka);
    assertInOrder('kafka', got.slice(0, 26), [...envelope.expected, ...replication.expected], 'xml');
    assertContains('kafka', got.slice(26), all, 'xml', true);
    assertBundleOrder('kafka', got.slice(26), bundles.map((b) => b.expected));
  });

  test('Kafka stopped during streams of bundles (RabbitMQ up): 503 naming kafka and /readyz 503 naming kafka; started again: OK again from the same processes, and no record of a 200-answered bundle is missing, with both sinks and with Kafka alone', async (t) => {
    const exchange = uniqueName('outage');
    const bothTopic = await kafka.createTopic({ what: 'outage-both' });
    const aloneTopic = await kafka.createTopic({ what: 'outage-alone' });
    const both = await start({ amqp: { exchange, format: 'json' }, kafka: { topic: bothTopic, format: 'raw' } });
    const alone = await start({ kafka: { topic: aloneTopic, format: 'xml' } });
    const queue = await rabbit.bindQueue(exchange);
    const collectors = { both, alone } as const;
    type Which = keyof typeof collectors;
    const pids = { both: both.pid, alone: alone.pid };

    interface Outcome { readonly at: number; readonly status: number; readonly body: string; readonly ms: number; readonly recs: GeneratedRecord[]; readonly payload: string }
    const outcomes: Record<Which, Outcome[]> = { both: [], alone: [] };
    const noAnswer: string[] = [];
    let streaming = true;
    // Each bundle on a connection of its own, so that every worker of a collector gets some.
    const stream = async (which: Which, w: number) => {
      const c = collectors[which];
      for (let seq = 0; streaming; seq++) {
        const recs = jobRecords(`${exchange}-${which}-w${w}-${seq}`, 5, (seq % 3) * 150);
        const form = seq % 2 ? update(recs.map((r) => r.xml)) : multiupdate(recs.map((r) => r.xml));
        const a = await c.postFresh(form);
        if ('error' in a) noAnswer.push(`${which}: ${a.error}`);
        else outcomes[which].push({ at: Date.now(), status: a.status, body: a.body, ms: a.ms, recs, payload: form['arg1']! });
        await sleep(40);
      }
    };
    const streams = Promise.all((['both', 'alone'] as const).flatMap((which) => [0, 1].map((w) => stream(which, w))));
    const oks = (which: Which, since: number) => outcomes[which].filter((o) => o.at > since && o.status === 200).length;
    /** True when every serving process of the collector logged its kafka sink unavailable (ready, with null). */
    const kafkaState = (c: CollectorProcess, unavailable: boolean) => {
      const states = [...c.sinkStates().values()];
      return states.length >= c.workers && states.every((s) => (s.get('kafka') !== null) === unavailable && s.has('kafka'));
    };

    let stoppedAt = 0;
    let startedAt = 0;
    try {
      await waitUntil(() => oks('both', 0) >= 10 && oks('alone', 0) >= 10, 15_000, '10 bundles answered 200 by each collector');
      await withKafkaStopped(async () => {
        stoppedAt = Date.now();
        for (const which of ['both', 'alone'] as const) {
          const c = collectors[which];
          await waitUntil(() => outcomes[which].some((o) => o.at > stoppedAt && o.status === 503 && /^Error: kafka: /.test(o.body)), 15_000, `a 503 naming kafka from ${which} after Kafka stopped`);
          await waitUntil(() => kafkaState(c, true), 15_000, `every worker of ${which} reporting kafka unavailable`);
          const ready = await c.get('/readyz');
          assert.equal(ready.status, 503, `${which} /readyz: ${ready.body}`);
          const reasons = ready.body.replace(/^Error: /, '').split(/; (?=(?:amqp|kafka|file): )/);
          assert.ok(reasons.some((r) => /^kafka: (?!kafka:)/.test(r)), `${which} /readyz names kafka (once): ${ready.body}`);
          assert.deepEqual(reasons.filter((r) => !r.startsWith('kafka: ') && !RABBIT_DISTURBED.test(r)), [], `${which} /readyz names only kafka`);
        }
        await sleep(1000); // bundles keep coming while Kafka stays down
      });
      startedAt = Date.now();
      const lastAnswers = () => (['both', 'alone'] as const).map((w) =>
        `${w}: ${oks(w, startedAt)} OK, last answer ${outcomes[w].at(-1)?.status} ${outcomes[w].at(-1)?.body}`).join('; ');
      await waitUntil(() => oks('both', startedAt) >= 10 && oks('alone', startedAt) >= 10, 45_000, '10 bundles answered 200 by each collector after Kafka started again')
        .catch((e: Error) => assert.fail(`${e.message} (${lastAnswers()})`));
      await both.waitReady(10_000);
      await alone.waitReady(10_000);
    } finally {
      streaming = false;
      await streams;
    }

    assert.deepEqual(noAnswer, [], 'every request answered');
    for (const which of ['both', 'alone'] as const) {
      const c = collectors[which];
      const all = outcomes[which];
      const ok = all.filter((o) => o.status === 200);
      const failed = all.filter((o) => o.status !== 200);
      t.diagnostic(`${which}: ${all.length} bundles, ${ok.length} answered 200, ${failed.length} 503; longest answer ${Math.round(Math.max(...all.map((o) => o.ms)))} ms; ` +
        `first 503 ${failed.length ? failed[0]!.at - stoppedAt : '-'} ms after the stop, first 200 ${(all.find((o) => o.at > startedAt && o.status === 200)?.at ?? 0) - startedAt} ms after the start`);
      const disturbed = failed.filter((o) => o.status === 503 && RABBIT_DISTURBED.test(o.body));
      if (disturbed.length > 0) t.diagnostic(`${which}: ${disturbed.length} bundles answered 503 for RabbitMQ disturbed by another test`);
      const wrong = failed.filter((o) => !disturbed.includes(o) && (o.status !== 503 || !/^Error: kafka: (?!kafka:)/.test(o.body)));
      assert.deepEqual(wrong.slice(0, 5).map((o) => `${o.status} ${o.body}`), [], `${which}: every failure is a 503 naming kafka`);
      assert.ok(failed.some((o) => o.at > stoppedAt && o.at < startedAt && /^Error: kafka: /.test(o.body)), `${which}: a 503 naming kafka while Kafka was down`);
      const slowest = Math.max(...all.map((o) => o.ms));
      assert.ok(slowest < TIMEOUT_MS + 2000, `${which}: an answer took ${slowest} ms (timeout ${TIMEOUT_MS} ms)`);
      assert.equal(c.pid, pids[which], `${which}: the same process`);
      assert.equal(c.exit, undefined, `${which}: the collector did not exit`);
      assert.ok(!c.logs.some((l) => l.msg === 'a worker died: starting another'), `${which}: no worker was restarted`);
      assert.ok(kafkaState(c, false), `${which}: every worker logged kafka ready again`);
    }

    const expectedOf = (which: Which) =>
      outcomes[which].filter((o) => o.status === 200).flatMap((o) => expectations(o.payload, o.recs.map((r) => r.xml), o.recs));
    const bothOk = expectedOf('both');
    const aloneOk = expectedOf('alone');
    // A 200 answer comes after Kafka acknowledged (acks=all) and RabbitMQ confirmed every record: they are in the
    // topic and the queue already, so the topic is read as it is now. Records of 503-answered bundles may be there
    // too (at-least-once): only the 200-answered ones must be, each right.
    assertContains('amqp', (await rabbit.drain(queue, { min: bothOk.length, timeoutMs: 10_000 })).map(fromAmqp), bothOk, 'json', false);
    assertContains('kafka (both)', (await kafka.readTopic(bothTopic)).map(fromKafka), bothOk, 'raw', false);
    assertContains('kafka (alone)', (await kafka.readTopic(aloneTopic)).map(fromKafka), aloneOk, 'xml', false);
  });
});
