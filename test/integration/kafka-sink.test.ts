// Integration tests of the Kafka sink against the real broker of scripts/services.sh
// (127.0.0.1:9092). Some tests stop or pause that broker and always bring it back.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import bunyan from 'bunyan';
import { type Admin, Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { filter, firstValueFrom, lastValueFrom, timeout } from 'rxjs';
import { createKafkaSink, type KafkaSink, type KafkaSinkOptions } from '../../src/io/kafka';
import { type OutboundMessage, SinkError } from '../../src/io/sink';

const ROOT = path.resolve(__dirname, '../../..');
const BROKER = '127.0.0.1:9092';
const TIMEOUT_MS = 3000;
/** How much later than timeoutMs a failed publish may report. */
const SLACK_MS = 1500;

const log = bunyan.createLogger({
  name: 'kafka-sink-test',
  level: (process.env.TEST_LOG_LEVEL as bunyan.LogLevel | undefined) ?? 'fatal',
  serializers: bunyan.stdSerializers,
});

function services(action: 'start' | 'stop'): void {
  execFileSync('bash', [path.join(ROOT, 'scripts/services.sh'), action], {
    cwd: ROOT,
    env: { ...process.env, GRACC_SERVICES: 'kafka' },
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 300_000,
  });
}

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

function bundle(prefix: string, n: number, size = 200): OutboundMessage[] {
  return Array.from({ length: n }, (_, i) => {
    const xml = i % 5 === 4;
    const text = xml
      ? `<JobUsageRecord><RecordIdentity recordId="${prefix}-${i}"/><Note>é ${'x'.repeat(size)}</Note></JobUsageRecord>`
      : JSON.stringify({ RecordId: `${prefix}-${i}`, note: `ü ${'y'.repeat(size)}` });
    return { key: `${prefix}-${i}`, body: Buffer.from(text), contentType: xml ? 'text/xml' : 'application/json' };
  });
}

const publish = (sink: KafkaSink, messages: readonly OutboundMessage[]): Promise<void> =>
  lastValueFrom(sink.publish(messages), { defaultValue: undefined });

/** Publishes and returns the error (a SinkError is expected) and how long it took to come. */
async function publishFailure(sink: KafkaSink, messages: readonly OutboundMessage[]): Promise<{ error: SinkError; ms: number }> {
  const t0 = Date.now();
  try {
    await publish(sink, messages);
  } catch (error) {
    assert.ok(error instanceof SinkError, `expected a SinkError, got ${String(error)}`);
    return { error, ms: Date.now() - t0 };
  }
  assert.fail(`publish succeeded after ${Date.now() - t0} ms, but it should have failed`);
}

const waitAvailable = (sink: KafkaSink, ms: number): Promise<unknown> =>
  firstValueFrom(sink.unavailable$.pipe(filter((reason) => reason === null), timeout(ms)));

const waitUnavailable = (sink: KafkaSink, ms: number): Promise<unknown> =>
  firstValueFrom(sink.unavailable$.pipe(filter((reason) => reason !== null), timeout(ms)));

let kafka: Kafka;
let admin: Admin;

async function newTopic(): Promise<string> {
  const topic = `gracc-test-${randomUUID()}`;
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  assert.ok(created, `topic ${topic} was not created`);
  return topic;
}

/** Reads the whole topic (partition 0) from the beginning: as many messages as its end offset says. */
async function readTopic(topic: string, withinMs = 30_000): Promise<KafkaMessage[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const end = Number(offsets.find((o) => o.partition === 0)?.high ?? 0);
  if (end === 0) return [];
  const consumer = kafka.consumer({
    groupId: `gracc-test-${randomUUID()}`,
    sessionTimeout: 6000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 100,
    retry: { retries: 3 },
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const messages: KafkaMessage[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${messages.length} of ${end} messages of ${topic} within ${withinMs} ms`)),
        withinMs,
      );
      consumer
        .run({
          eachMessage: async ({ message }) => {
            if (Number(message.offset) < end) messages.push(message);
            if (Number(message.offset) >= end - 1) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch((err: unknown) => {
          clearTimeout(timer);
          reject(err);
        });
    });
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

function assertMessage(actual: KafkaMessage | undefined, expected: OutboundMessage): void {
  assert.ok(actual, `message ${expected.key} is missing`);
  assert.equal(actual.key?.toString(), expected.key);
  assert.ok(actual.value?.equals(expected.body), `value of ${expected.key} differs`);
  assert.equal(actual.headers?.['content-type']?.toString(), expected.contentType);
}

/** Kafka's process id from services.sh's pid file, for pausing it; null when not known. */
function kafkaPid(): number | null {
  const dir = process.env.GRACC_SERVICES_DIR ?? path.join(homedir(), '.cache/gracc-collector-services');
  const file = path.join(dir, 'kafka/kafka.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

describe('Kafka sink against a real broker', { timeout: 600_000 }, () => {
  before(async () => {
    services('start');
    kafka = new Kafka({ brokers: [BROKER], clientId: 'gracc-collector-test-reader', logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  });

  after(async () => {
    await admin?.disconnect();
  });

  it('publishes a bundle as records with key, value and content-type, confirmed before completion', async () => {
    const topic = await newTopic();
    const sink = createKafkaSink(sinkOptions(topic, { compression: 'gzip' }));
    try {
      assert.equal(sink.name, 'kafka');
      assert.equal(sink.format, 'json');
      await waitAvailable(sink, 30_000);
      const messages = bundle('rec', 120);
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
      const messages = [...bundle('early', 3), { key: '', body: Buffer.from('{"no":"id"}'), contentType: 'application/json' }];
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
      const bundles = Array.from({ length: 24 }, (_, b) => bundle(`c${b}`, 50, 500));
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

  it('refuses codecs kafkajs cannot encode, and bad options', () => {
    for (const compression of ['snappy', 'lz4', 'zstd'] as const) {
      assert.throws(() => createKafkaSink(sinkOptions('t', { compression })), new RegExp(`compression '${compression}'`));
    }
    assert.throws(() => createKafkaSink(sinkOptions('t', { brokers: [] })), /brokers/);
    assert.throws(() => createKafkaSink(sinkOptions('bad topic')), /topic/);
    assert.throws(() => createKafkaSink(sinkOptions('t', { timeoutMs: 0 })), /timeoutMs/);
  });

  it('fails a publish within timeoutMs while Kafka is stopped, then recovers by itself', async () => {
    const topic = await newTopic();
    const sink = createKafkaSink(sinkOptions(topic));
    const confirmed: OutboundMessage[] = [];
    try {
      await waitAvailable(sink, 30_000);
      const before = bundle('before', 10);
      await publish(sink, before);
      confirmed.push(...before);

      let downMs = 0;
      try {
        services('stop');
        const first = await publishFailure(sink, bundle('down1', 10));
        assert.equal(first.error.sink, 'kafka');
        assert.equal(first.error.failure, 'down', first.error.message);
        assert.ok(first.ms <= TIMEOUT_MS + SLACK_MS, `failed after ${first.ms} ms`);
        await waitUnavailable(sink, 1000);
        const second = await publishFailure(sink, bundle('down2', 10));
        assert.equal(second.error.failure, 'down', second.error.message);
        assert.ok(second.ms <= TIMEOUT_MS + SLACK_MS, `failed after ${second.ms} ms`);
        downMs = Date.now();
      } finally {
        services('start');
      }
      await waitAvailable(sink, 60_000);
      log.info({ ms: Date.now() - downMs }, 'available again');
      const afterwards = bundle('after', 10);
      await publish(sink, afterwards);
      confirmed.push(...afterwards);

      const read = await readTopic(topic);
      const keys = new Set(read.map((m) => m.key?.toString()));
      for (const m of confirmed) assert.ok(keys.has(m.key), `confirmed record ${m.key} is missing`);
    } finally {
      await sink.close();
    }
  });

  it('fails a publish with a timeout while Kafka does not answer (paused), then recovers by itself', async (t) => {
    const pid = kafkaPid();
    if (pid === null) {
      t.skip('no Kafka pid file from scripts/services.sh');
      return;
    }
    const topic = await newTopic();
    const sink = createKafkaSink(sinkOptions(topic));
    const resume = (): void => {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // already gone
      }
    };
    process.once('exit', resume);
    const confirmed: OutboundMessage[] = [];
    try {
      await waitAvailable(sink, 30_000);
      const before = bundle('before', 10);
      await publish(sink, before);
      confirmed.push(...before);
      try {
        process.kill(pid, 'SIGSTOP');
        const hung = await publishFailure(sink, bundle('hung', 10));
        assert.equal(hung.error.failure, 'timeout', hung.error.message);
        assert.ok(hung.ms >= TIMEOUT_MS - 100 && hung.ms <= TIMEOUT_MS + SLACK_MS, `failed after ${hung.ms} ms`);
        await waitUnavailable(sink, 1000);
      } finally {
        resume();
        process.removeListener('exit', resume);
      }
      await waitAvailable(sink, 60_000);
      const afterwards = bundle('after', 10);
      await publish(sink, afterwards);
      confirmed.push(...afterwards);
      const read = await readTopic(topic);
      const keys = new Set(read.map((m) => m.key?.toString()));
      for (const m of confirmed) assert.ok(keys.has(m.key), `confirmed record ${m.key} is missing`);
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
    const closed = await publishFailure(sink, bundle('closed', 1));
    assert.equal(closed.error.failure, 'down');
  });
});
