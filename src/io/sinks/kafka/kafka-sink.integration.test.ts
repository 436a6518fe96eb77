// Integration tests of the Kafka sink against the real broker of scripts/services.sh
// (127.0.0.1:9092). Some tests stop or pause that broker and always bring it back.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import bunyan from 'bunyan';
import { Kafka, type KafkaMessage, type Producer, type ProducerRecord } from 'kafkajs';
import { filter, firstValueFrom, lastValueFrom, timeout } from 'rxjs';
import zlib from 'node:zlib';
import { checkKafkaConfig } from './check';
import { compressionUnavailable } from './compression';
import { createKafkaSink, type KafkaSink } from './kafka-sink';
import type { KafkaSinkOptions } from './options';
import { COMPRESSION_TYPES } from './codecs';
import { KAFKA_COMPRESSIONS, type KafkaConfig } from './config';
import { type OutboundMessage, SinkError } from '../../../contracts/sink';
import { messageBundle, publish, publishFailure } from '../../../../test/support/sink-messages';
import { ensureKafka, firstBatchCodec, javaConsumerUnavailable, javaReadTopic, KAFKA_BROKER, KafkaTestClient, kafkaPauserOrSkip, restoreKafka, startKafka, stopKafka } from '../../../../test/support/kafka';

const BROKER = KAFKA_BROKER;
const TIMEOUT_MS = 3000;
/** How much later than timeoutMs a failed publish may report. */
const SLACK_MS = 1500;

const log = bunyan.createLogger({
  name: 'kafka-sink-test',
  level: (process.env.TEST_LOG_LEVEL as bunyan.LogLevel | undefined) ?? 'fatal',
  serializers: bunyan.stdSerializers,
});

/** The [kafka] table as its defaults make it. */
const kafkaDefaults = (): KafkaConfig => ({
  enable: false, brokers: [BROKER], topic: 'gracc', key: '', format: 'json', clientId: 'gracc-collector', compression: 'none', ssl: false,
  tls: { ca: '', cert: '', key: '', verify: true }, sasl: { mechanism: '', username: '', password: '' },
});

function sinkOptions(topic: string, extra: Partial<KafkaSinkOptions> = {}): KafkaSinkOptions {
  return {
    brokers: [BROKER],
    topic,
    format: 'json',
    clientId: 'gracc-collector-test',
    compression: 'none',
    ssl: false,
    sasl: { mechanism: '', username: '', password: '' },
    timeoutMs: TIMEOUT_MS,
    log,
    reconnectBaseMs: 100,
    reconnectCapMs: 1000,
    ...extra,
  };
}


const waitAvailable = (sink: KafkaSink, ms: number): Promise<unknown> =>
  firstValueFrom(sink.unavailable$.pipe(filter((reason) => reason === null), timeout(ms)));

const waitUnavailable = (sink: KafkaSink, ms: number): Promise<unknown> =>
  firstValueFrom(sink.unavailable$.pipe(filter((reason) => reason !== null), timeout(ms)));

let client: KafkaTestClient;

/** A new topic with one partition; its batch limit is Kafka's default (1 MiB) unless given. */
const newTopic = (maxMessageBytes?: number): Promise<string> =>
  client.createTopic({ what: 'sink', ...(maxMessageBytes === undefined ? {} : { maxMessageBytes }) });

/** Reads the whole topic from the beginning: as many messages as its end offsets say. */
const readTopic = (topic: string, withinMs = 30_000): Promise<KafkaMessage[]> => client.readTopic(topic, { withinMs });

/** Every confirmed message is in the topic (duplicates allowed, loss not). */
async function assertAllInTopic(topic: string, confirmed: readonly OutboundMessage[]): Promise<void> {
  const keys = new Set((await readTopic(topic)).map((m) => m.key?.toString()));
  for (const m of confirmed) assert.ok(keys.has(m.key), `confirmed record ${m.key} is missing`);
}

function assertMessage(actual: KafkaMessage | undefined, expected: OutboundMessage): void {
  assert.ok(actual, `message ${expected.key} is missing`);
  assert.equal(actual.key?.toString(), expected.key);
  assert.ok(actual.value?.equals(expected.body), `value of ${expected.key} differs`);
  assert.equal(actual.headers?.['content-type']?.toString(), expected.contentType);
}

/**
 * Calls `onSend` with every ProducerRecord a producer created from now on sends, before the
 * send goes out (the sink creates its producers through kafkajs' Kafka.prototype.producer).
 * Returns the function that undoes it.
 */
function spySends(onSend: (record: ProducerRecord) => void): () => void {
  const proto = Kafka.prototype as unknown as { producer: (...args: unknown[]) => Producer };
  const original = proto.producer;
  proto.producer = function (this: Kafka, ...args: unknown[]): Producer {
    const producer = original.apply(this, args);
    const send = producer.send.bind(producer);
    producer.send = (record) => {
      onSend(record);
      return send(record);
    };
    return producer;
  };
  return () => {
    proto.producer = original;
  };
}

const recordBytes = (record: ProducerRecord): number =>
  record.messages.reduce((n, m) => n + (m.value as Buffer).length + Buffer.byteLength((m.key as string | null) ?? ''), 0);

/** Waits until the sink is available, then publishes a first bundle of 10 and adds it to `confirmed`. */
async function publishFirst(sink: KafkaSink, confirmed: OutboundMessage[]): Promise<void> {
  await waitAvailable(sink, 30_000);
  const before = messageBundle('before', 10);
  await publish(sink, before);
  confirmed.push(...before);
}

/** Publishes `afterwards` (the sink recovered), adds it to `confirmed`, and checks that the topic holds every confirmed message. */
async function publishAfterwards(sink: KafkaSink, topic: string, confirmed: OutboundMessage[], afterwards: OutboundMessage[]): Promise<void> {
  await publish(sink, afterwards);
  confirmed.push(...afterwards);
  await assertAllInTopic(topic, confirmed);
}

describe('Kafka sink against a real broker', { timeout: 600_000 }, () => {
  before(async () => {
    ensureKafka();
    client = new KafkaTestClient([BROKER], 'gracc-collector-test-reader');
  });

  after(async () => {
    await restoreKafka();
    await client?.close();
  });

  it('publishes a bundle as records with key, value and content-type, confirmed before completion', async () => {
    const topic = await newTopic();
    const sink = createKafkaSink(sinkOptions(topic, { compression: 'gzip' }));
    try {
      assert.equal(sink.name, 'kafka');
      assert.equal(sink.format, 'json');
      await waitAvailable(sink, 30_000);
      const messages = messageBundle('rec', 120);
      await publish(sink, messages);
      const read = await readTopic(topic);
      assert.equal(read.length, messages.length);
      messages.forEach((m, i) => assertMessage(read[i], m));
    } finally {
      await sink.close();
    }
  });

  it('publishes a bundle subscribed before the connection is up, and a record without id with a null key', async () => {
    const topic = await newTopic();
    const sink = createKafkaSink(sinkOptions(topic));
    try {
      const messages = [...messageBundle('early', 3), { key: '', body: Buffer.from('{"no":"id"}'), contentType: 'application/json' }];
      await publish(sink, messages);
      const read = await readTopic(topic);
      assert.equal(read.length, 4);
      messages.slice(0, 3).forEach((m, i) => assertMessage(read[i], m));
      assert.equal(read[3]?.key, null);
      assert.equal(read[3]?.value?.toString(), '{"no":"id"}');
    } finally {
      await sink.close();
    }
  });

  it('confirms concurrent bundles, each record written once', async () => {
    const topic = await newTopic();
    const sink = createKafkaSink(sinkOptions(topic, { maxSendBytes: 64 * 1024 }));
    try {
      await waitAvailable(sink, 30_000);
      const bundles = Array.from({ length: 24 }, (_, b) => messageBundle(`c${b}`, 50, 500));
      await Promise.all(bundles.map((messages) => publish(sink, messages)));
      const read = await readTopic(topic);
      const byKey = new Map<string, KafkaMessage[]>();
      for (const m of read) {
        const key = m.key?.toString() ?? '';
        byKey.set(key, [...(byKey.get(key) ?? []), m]);
      }
      assert.equal(read.length, 24 * 50);
      for (const m of bundles.flat()) {
        assert.equal(byKey.get(m.key)?.length, 1, `record ${m.key}`);
        assertMessage(byKey.get(m.key)?.[0], m);
      }
      // Each bundle is contiguous: it went out whole in one send.
      for (const messages of bundles) {
        const first = Number(byKey.get(messages[0]!.key)![0]!.offset);
        messages.forEach((m, i) => assert.equal(Number(byKey.get(m.key)![0]!.offset), first + i));
      }
    } finally {
      await sink.close();
    }
  });

  it('publishes a bundle of 8 MiB, over the brokers\' 1 MiB limit, in several sends, all confirmed', async (t) => {
    const topic = await newTopic();
    const sink = createKafkaSink(sinkOptions(topic));
    try {
      await waitAvailable(sink, 30_000);
      const messages = messageBundle('big', 4000, 2000);
      const bytes = messages.reduce((n, m) => n + m.body.length + m.key.length, 0);
      assert.ok(bytes > 8_000_000, `${bytes} bytes`);
      const t0 = performance.now();
      await publish(sink, messages);
      const ms = performance.now() - t0;
      t.diagnostic(`${messages.length} records, ${(bytes / 2 ** 20).toFixed(1)} MiB confirmed in ${ms.toFixed(0)} ms`);
      const read = await readTopic(topic, 60_000);
      assert.equal(read.length, messages.length);
      // In order, each once: the sends of a bundle follow each other.
      assert.deepEqual(
        read.map((m) => m.key?.toString()),
        messages.map((m) => m.key),
      );
      messages.forEach((m, i) => assertMessage(read[i], m));
    } finally {
      await sink.close();
    }
  });

  it('splits bundles over maxSendBytes, a record over it alone, among concurrent bundles; timeoutMs applies per send', async () => {
    // The topic takes batches up to 24 KiB: every send must stay under that, or it fails.
    const topic = await newTopic(24 * 1024);
    const timeoutMs = 1000;
    const maxSendBytes = 8 * 1024;
    const sends: Array<{ records: number; bytes: number; keys: string[] }> = [];
    const restore = spySends((record) =>
      sends.push({
        records: record.messages.length,
        bytes: recordBytes(record),
        keys: record.messages.map((m) => String(m.key)),
      }),
    );
    const sink = createKafkaSink(sinkOptions(topic, { maxSendBytes, timeoutMs }));
    restore();
    try {
      await waitAvailable(sink, 30_000);
      const small = Array.from({ length: 6 }, (_, b) => messageBundle(`s${b}`, 5, 300));
      const split = messageBundle('split', 150, 1000); // ~150 KiB: about 20 sends
      const huge = { key: 'huge', body: Buffer.from(JSON.stringify({ RecordId: 'huge', x: 'z'.repeat(16 * 1024) })), contentType: 'application/json' };
      const alone = [...messageBundle('alone', 3, 100), huge, ...messageBundle('alone2', 3, 100)];
      await Promise.all([
        publish(sink, small[0]!),
        publish(sink, split),
        publish(sink, small[1]!),
        publish(sink, alone),
        ...small.slice(2).map((messages) => publish(sink, messages)),
      ]);
      // A bundle that takes longer than timeoutMs in all, while each of its sends is quick.
      const long = messageBundle('long', 6000, 1000); // ~6 MiB: about 740 sends
      const t0 = performance.now();
      await publish(sink, long);
      const ms = performance.now() - t0;
      log.info({ ms, timeoutMs }, 'long bundle confirmed');

      const read = await readTopic(topic, 60_000);
      const keys = read.map((m) => m.key?.toString() ?? '');
      const expected = [...small.flat(), ...split, ...alone, ...long];
      assert.equal(read.length, expected.length);
      assert.equal(new Set(keys).size, expected.length, 'a record was written twice');
      const byKey = new Map(read.map((m) => [m.key?.toString() ?? '', m]));
      for (const m of expected) assertMessage(byKey.get(m.key), m);
      // Each bundle is contiguous and in order: nothing goes between the sends of a bundle.
      for (const messages of [...small, split, alone, long]) {
        const first = keys.indexOf(messages[0]!.key);
        assert.deepEqual(keys.slice(first, first + messages.length), messages.map((m) => m.key));
      }
      // Every send within maxSendBytes, but for the one record over it, which went alone.
      for (const send of sends) {
        if (send.keys.includes('huge')) assert.deepEqual(send.keys, ['huge']);
        else assert.ok(send.bytes <= maxSendBytes, `a send of ${send.bytes} bytes`);
      }
      assert.ok(sends.length >= 20 + 740, `${sends.length} sends`);
      if (ms <= timeoutMs) log.warn({ ms }, 'the long bundle was quicker than timeoutMs: the per-send timeout was not exercised');
    } finally {
      await sink.close();
    }
  });

  it('compresses with every codec the runtime has: the broker takes the batches, kafkajs and Kafka\'s Java consumer read back every record', async (t) => {
    const java = javaConsumerUnavailable();
    if (java) t.diagnostic(`no Java consumer read-back: ${java}`);
    for (const compression of KAFKA_COMPRESSIONS) {
      const unavailable = compressionUnavailable(compression);
      if (unavailable) {
        t.diagnostic(`skipped ${compression}: ${unavailable}`);
        assert.throws(() => createKafkaSink(sinkOptions('t', { compression })), new RegExp(`compression '${compression}' is not available here`));
        continue;
      }
      const topic = await newTopic();
      const sink = createKafkaSink(sinkOptions(topic, { compression }));
      // 600 records of 200 bytes: 120 KB a send, several of snappy's 32 KiB blocks; and a record without a key.
      const messages = [...messageBundle(compression, 600), { key: '', body: Buffer.from('{"no":"key"}'), contentType: 'application/json' }];
      try {
        await waitAvailable(sink, 30_000);
        await publish(sink, messages);
      } finally {
        await sink.close();
      }
      assert.equal(firstBatchCodec(topic), COMPRESSION_TYPES[compression], `${compression}: the batch on the broker's disk is not ${compression}-compressed`);
      const read = await readTopic(topic);
      assert.equal(read.length, messages.length, compression);
      messages.slice(0, -1).forEach((m, i) => assertMessage(read[i], m));
      assert.equal(read.at(-1)?.key, null);
      assert.equal(read.at(-1)?.value?.toString(), '{"no":"key"}');
      if (!java) {
        const javaRead = await javaReadTopic(topic, messages.length);
        assert.deepEqual(javaRead.map((r) => [r.key, r.value.toString()]), messages.map((m) => [m.key || '-', m.body.toString()]), `${compression}: the Java consumer read`);
      }
      t.diagnostic(`${compression}: ${messages.length} records round-tripped${java ? '' : ' (kafkajs and Java)'}`);
    }
  });

  it('refuses codecs the runtime lacks at the configuration check, and bad options', () => {
    assert.deepEqual(checkKafkaConfig({ ...kafkaDefaults(), enable: true, compression: 'gzip' }), []);
    const zstd = checkKafkaConfig({ ...kafkaDefaults(), enable: true, compression: 'zstd' });
    if (typeof (zlib as { zstdCompress?: unknown }).zstdCompress === 'function') assert.deepEqual(zstd, []);
    else {
      assert.equal(zstd.length, 1);
      assert.match(zstd[0]!, /^kafka\.compression: compression 'zstd' is not available here: Node v\S+ has no zstd/);
    }
    // A disabled sink's codec is nobody's concern.
    assert.deepEqual(checkKafkaConfig({ ...kafkaDefaults(), enable: false, compression: 'zstd' }), []);
    assert.throws(() => createKafkaSink(sinkOptions('t', { brokers: [] })), /brokers/);
    assert.throws(() => createKafkaSink(sinkOptions('bad topic')), /topic/);
    assert.throws(() => createKafkaSink(sinkOptions('t', { timeoutMs: 0 })), /timeoutMs/);
    assert.throws(() => createKafkaSink(sinkOptions('t', { probeIntervalMs: 50 })), /probeIntervalMs/);
    assert.throws(() => createKafkaSink(sinkOptions('t', { probeTimeoutMs: 0 })), /probeTimeoutMs/);
  });

  it('an idle sink probes the brokers: unavailable within the probe interval after Kafka stopped, available again once it is back', async () => {
    const PROBE_INTERVAL_MS = 1000;
    const PROBE_TIMEOUT_MS = 1000;
    const topic = await newTopic();
    const sink = createKafkaSink(sinkOptions(topic, { probeIntervalMs: PROBE_INTERVAL_MS, probeTimeoutMs: PROBE_TIMEOUT_MS }));
    const reasons: Array<{ at: number; reason: string | null }> = [];
    const subscription = sink.unavailable$.subscribe((reason) => reasons.push({ at: performance.now(), reason }));
    try {
      await waitAvailable(sink, 30_000);
      await publish(sink, messageBundle('before', 5));
      // Idle for several probe intervals with Kafka up: the probes are answered, the sink stays available.
      const idleFrom = performance.now();
      await new Promise((r) => setTimeout(r, 4 * PROBE_INTERVAL_MS));
      assert.deepEqual(reasons.filter((r) => r.at >= idleFrom), [], 'the sink changed its availability while idle with Kafka up');

      let stoppedAt = 0;
      try {
        const stopping = performance.now();
        await stopKafka();
        stoppedAt = performance.now();
        log.info({ ms: Math.round(stoppedAt - stopping) }, 'kafka stopped');
        // Nothing was sent: only a probe can notice. The broker may go away before stopKafka()
        // returns (it waits for the process to end), so this may already have happened.
        await waitUnavailable(sink, PROBE_INTERVAL_MS + PROBE_TIMEOUT_MS + SLACK_MS);
        const down = reasons.find((r) => r.reason !== null && r.at >= idleFrom);
        assert.ok(down, 'no unavailable reason');
        assert.ok(down.at - stoppedAt <= PROBE_INTERVAL_MS + PROBE_TIMEOUT_MS + SLACK_MS, `unavailable ${Math.round(down.at - stoppedAt)} ms after the stop`);
        log.info({ ms: Math.round(down.at - stoppedAt), reason: down.reason }, 'unavailable');
      } finally {
        await startKafka();
      }
      await waitAvailable(sink, 60_000);
      await publishAfterwards(sink, topic, [], messageBundle('after', 5));
    } finally {
      subscription.unsubscribe();
      await sink.close();
    }
  });

  it('fails a publish within timeoutMs while Kafka is stopped, then recovers by itself', async () => {
    const topic = await newTopic();
    const sink = createKafkaSink(sinkOptions(topic));
    const confirmed: OutboundMessage[] = [];
    try {
      await publishFirst(sink, confirmed);

      let downMs = 0;
      try {
        await stopKafka();
        const first = await publishFailure(sink, messageBundle('down1', 10));
        assert.equal(first.error.sink, 'kafka');
        assert.equal(first.error.failure, 'down', first.error.message);
        assert.ok(first.ms <= TIMEOUT_MS + SLACK_MS, `failed after ${first.ms} ms`);
        await waitUnavailable(sink, 1000);
        const second = await publishFailure(sink, messageBundle('down2', 10));
        assert.equal(second.error.failure, 'down', second.error.message);
        assert.ok(second.ms <= TIMEOUT_MS + SLACK_MS, `failed after ${second.ms} ms`);
        downMs = Date.now();
      } finally {
        await startKafka();
      }
      await waitAvailable(sink, 60_000);
      log.info({ ms: Date.now() - downMs }, 'available again');
      await publishAfterwards(sink, topic, confirmed, messageBundle('after', 10));
    } finally {
      await sink.close();
    }
  });

  it('fails a publish with a timeout while Kafka does not answer (paused), then recovers by itself', async (t) => {
    const pauser = kafkaPauserOrSkip(t);
    if (pauser === undefined) return;
    const topic = await newTopic();
    const sink = createKafkaSink(sinkOptions(topic));
    const { pause, resume, release } = pauser;
    const confirmed: OutboundMessage[] = [];
    try {
      await publishFirst(sink, confirmed);
      try {
        pause();
        const hung = await publishFailure(sink, messageBundle('hung', 10));
        assert.equal(hung.error.failure, 'timeout', hung.error.message);
        assert.ok(hung.ms >= TIMEOUT_MS - 100 && hung.ms <= TIMEOUT_MS + SLACK_MS, `failed after ${hung.ms} ms`);
        await waitUnavailable(sink, 1000);
      } finally {
        release();
      }
      await waitAvailable(sink, 60_000);
      await publishAfterwards(sink, topic, confirmed, messageBundle('after', 10));
    } finally {
      resume();
      await sink.close();
    }
  });

  it('fails a whole bundle when one of its later sends gets no answer (paused Kafka), then recovers by itself', async (t) => {
    const pauser = kafkaPauserOrSkip(t);
    if (pauser === undefined) return;
    const topic = await newTopic();
    const { pause, resume, release } = pauser;
    let pausedAt = 0;
    let sendsOfBig = 0;
    const restore = spySends((record) => {
      if (String(record.messages[0]?.key).startsWith('big-') && ++sendsOfBig === 3) {
        // Two sends of the bundle were acknowledged: the third gets no answer.
        pause();
        pausedAt = Date.now();
      }
    });
    const sink = createKafkaSink(sinkOptions(topic, { maxSendBytes: 64 * 1024 }));
    restore();
    const confirmed: OutboundMessage[] = [];
    try {
      await waitAvailable(sink, 30_000);
      try {
        const big = messageBundle('big', 500, 1000); // ~0.5 MiB: 8 sends
        const hung = await publishFailure(sink, big);
        const ms = Date.now() - pausedAt;
        assert.equal(hung.error.failure, 'timeout', hung.error.message);
        assert.match(hung.error.message, /acknowledged/);
        assert.ok(ms >= TIMEOUT_MS - 100 && ms <= TIMEOUT_MS + SLACK_MS, `failed ${ms} ms after the pause`);
        assert.equal(sendsOfBig, 3, 'the bundle went on after a send got no answer');
        await waitUnavailable(sink, 1000);
      } finally {
        release();
      }
      await waitAvailable(sink, 60_000);
      await publishAfterwards(sink, topic, confirmed, messageBundle('after', 300, 1000));
    } finally {
      resume();
      await sink.close();
    }
  });

  it('fails pending and later publishes once closed', async () => {
    const topic = await newTopic();
    const sink = createKafkaSink(sinkOptions(topic));
    await waitAvailable(sink, 30_000);
    await sink.close();
    const closed = await publishFailure(sink, messageBundle('closed', 1));
    assert.equal(closed.error.failure, 'down');
  });
});
