// The real Kafka of scripts/services.sh (127.0.0.1:9092: one KRaft broker+controller, topics
// created on first use) for integration tests: bring it up, stop it and start it again
// (always restored), create topics of a test's own and read back everything in one.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Admin, Kafka, type KafkaConfig, type KafkaMessage, logLevel } from 'kafkajs';
import { ensureServices, runServices, SERVICES_DIR } from './services';

const execFileP = promisify(execFile);

export const KAFKA_BROKER = process.env['GRACC_TEST_KAFKA_BROKER'] ?? '127.0.0.1:9092';

/** Kafka's default limit of a record batch (message.max.bytes, a topic's max.message.bytes). */
export const BROKER_DEFAULT_MAX_BYTES = 1024 * 1024 + 12;

/** A topic name no other test uses: `gracc-it-<what>-<random>`. */
export const uniqueTopic = (what = 't') => `gracc-it-${what}-${randomBytes(5).toString('hex')}`;

/** Brings Kafka up with scripts/services.sh (idempotent; restarts one a test left stopped). */
export function ensureKafka(): void {
  ensureServices('kafka');
}

/** `scripts/services.sh stop|start` for Kafka (node 1) only, without blocking the event loop. */
const services = (action: 'start' | 'stop') => runServices(action, 'kafka');

let stopped = false;

/** Stops the broker (SIGTERM, a clean shutdown). Undo with `startKafka`, or use `withKafkaStopped`. */
export async function stopKafka(): Promise<void> {
  stopped = true;
  await services('stop');
}

/** Starts the broker again and resolves once it answers metadata requests. */
export async function startKafka(): Promise<void> {
  await services('start');
  stopped = false;
}

/** Runs `fn` with Kafka stopped; Kafka is ALWAYS started again, even when `fn` throws. */
export async function withKafkaStopped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    await stopKafka();
    return await fn();
  } finally {
    await startKafka();
  }
}

/** Starts Kafka again if this process stopped it and did not start it (for `after` hooks); does nothing otherwise. */
export async function restoreKafka(): Promise<void> {
  if (stopped) await startKafka();
}

/** Kafka's process id from services.sh's pid file (to pause it with SIGSTOP); null when not known. */
export function kafkaPid(): number | null {
  const file = path.join(SERVICES_DIR, 'kafka/kafka.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export interface TopicOptions {
  /** Name prefix (see `uniqueTopic`). */
  readonly what?: string;
  /** This exact name instead of a unique one. */
  readonly name?: string;
  /** Default 1: then the messages come back in the order they were written. */
  readonly partitions?: number;
  /** The topic's max.message.bytes; default Kafka's own (1 MiB). */
  readonly maxMessageBytes?: number;
  /** More topic configuration entries. */
  readonly config?: Readonly<Record<string, string>>;
  /** The brokers (node ids) holding each partition, the first its preferred leader; default one replica where Kafka puts it. */
  readonly replicas?: readonly number[];
}

/** A message read back, with its partition. */
export type TopicMessage = KafkaMessage & { readonly partition: number };

export interface ReadOptions {
  /** Wait until the topic holds at least this many messages (end offsets; default 0). */
  readonly atLeast?: number;
  /** Time limit for the whole read, ms (default 30000). */
  readonly withinMs?: number;
}

/**
 * A test's own kafkajs client of the broker: creates topics (deleted again on `close`) and
 * reads a topic back. Reading needs a consumer group: each read joins a new one, with a
 * short session and heartbeat so that the join is quick (the broker's
 * group.initial.rebalance.delay.ms is 0), and reads up to the end offsets taken before.
 */
export class KafkaTestClient {
  readonly kafka: Kafka;
  private admin: Admin | undefined;
  private readonly owned = new Set<string>();

  /** `connection`: TLS and SASL settings, for the brokers' SSL and SASL listeners. */
  constructor(
    readonly brokers: readonly string[] = [KAFKA_BROKER],
    clientId = 'gracc-it-reader',
    connection: Pick<KafkaConfig, 'ssl' | 'sasl'> = {},
  ) {
    this.kafka = new Kafka({ brokers: [...brokers], clientId, logLevel: logLevel.NOTHING, retry: { retries: 5 }, ...connection });
  }

  /** The admin client, connected; after a broker restart the next call connects a new one. */
  private async withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (!this.admin) {
        const admin = this.kafka.admin();
        await admin.connect();
        this.admin = admin;
      }
      try {
        return await fn(this.admin);
      } catch (e) {
        if (attempt >= 2 || !/connect|closed|socket/i.test(String(e))) throw e;
        await this.admin.disconnect().catch(() => {});
        this.admin = undefined;
      }
    }
  }

  /** Creates a new topic (its leader elected) and returns its name; deleted on `close`. */
  async createTopic(options: TopicOptions = {}): Promise<string> {
    const topic = options.name ?? uniqueTopic(options.what);
    const config = { 'max.message.bytes': String(options.maxMessageBytes ?? BROKER_DEFAULT_MAX_BYTES), ...options.config };
    const created = await this.withAdmin((admin) =>
      admin.createTopics({
        topics: [{
          topic,
          ...(options.replicas
            ? { replicaAssignment: Array.from({ length: options.partitions ?? 1 }, (_, partition) => ({ partition, replicas: [...options.replicas!] })) }
            : { numPartitions: options.partitions ?? 1, replicationFactor: 1 }),
          configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
        }],
        waitForLeaders: true,
      }));
    if (!created) throw new Error(`topic ${topic} was not created`);
    this.owned.add(topic);
    return topic;
  }

  /** Deletes `topic` too on `close` (a topic the brokers created on first use, say). */
  own(topic: string): void {
    this.owned.add(topic);
  }

  /** Each partition's [low, high) offsets: the messages it holds now. */
  async offsets(topic: string): Promise<Map<number, { low: number; high: number }>> {
    const offsets = await this.withAdmin((admin) => admin.fetchTopicOffsets(topic));
    return new Map(offsets.map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]));
  }

  /** How many messages the topic holds now. */
  async count(topic: string): Promise<number> {
    let n = 0;
    for (const { low, high } of (await this.offsets(topic)).values()) n += high - low;
    return n;
  }

  /**
   * Reads every message the topic holds (once it holds `atLeast`): partition by partition in
   * offset order, from the earliest to the end offsets taken when the read starts.
   */
  async readTopic(topic: string, options: ReadOptions = {}): Promise<TopicMessage[]> {
    const { atLeast = 0, withinMs = 30_000 } = options;
    const deadline = Date.now() + withinMs;
    let ends = await this.offsets(topic);
    const total = () => [...ends.values()].reduce((n, o) => n + o.high - o.low, 0);
    while (total() < atLeast) {
      if (Date.now() > deadline) throw new Error(`topic ${topic} holds ${total()} messages, not ${atLeast}, after ${withinMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
      ends = await this.offsets(topic);
    }
    const pending = new Set([...ends].filter(([, o]) => o.high > o.low).map(([p]) => p));
    if (pending.size === 0) return [];

    const byPartition = new Map<number, TopicMessage[]>();
    const consumer = this.kafka.consumer({
      groupId: `gracc-it-reader-${randomBytes(6).toString('hex')}`,
      sessionTimeout: 6000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 100,
      retry: { retries: 3 },
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const got = [...byPartition.values()].reduce((n, ms) => n + ms.length, 0);
          reject(new Error(`read ${got} of ${total()} messages of ${topic} within ${withinMs} ms`));
        }, Math.max(1000, deadline - Date.now()));
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              const end = ends.get(partition)?.high ?? 0;
              const offset = Number(message.offset);
              if (offset < end) {
                let list = byPartition.get(partition);
                if (!list) byPartition.set(partition, (list = []));
                list.push({ ...message, partition });
              }
              if (offset >= end - 1 && pending.delete(partition) && pending.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch((err: unknown) => {
            clearTimeout(timer);
            reject(err as Error);
          });
      });
    } finally {
      await consumer.disconnect().catch(() => {});
    }
    return [...byPartition.keys()].sort((a, b) => a - b).flatMap((p) => byPartition.get(p)!);
  }

  /** Deletes the topics it created and disconnects. */
  async close(): Promise<void> {
    if (this.owned.size > 0) {
      await this.withAdmin((admin) => admin.deleteTopics({ topics: [...this.owned], timeout: 10_000 })).catch(() => {});
      this.owned.clear();
    }
    await this.admin?.disconnect().catch(() => {});
    this.admin = undefined;
  }
}

/** The text of a message's header (kafkajs gives Buffers, or arrays of them for repeated headers). */
export function headerText(message: KafkaMessage, name: string): string | undefined {
  const h = message.headers?.[name];
  if (h === undefined) return undefined;
  return (Array.isArray(h) ? h[0] : h)?.toString();
}

/**
 * Waits (up to 2 s) until every thread of the process is stopped: a signal takes effect
 * only as each thread is next scheduled, and a broker thread still running could answer
 * a request sent right after the SIGSTOP.
 */
function waitUntilStopped(pid: number): void {
  const tick = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 2000;
  const running = (): boolean => {
    try {
      return readdirSync(`/proc/${pid}/task`).some((tid) => {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'T';
      });
    } catch {
      return false; // gone, or no /proc: nothing to wait for
    }
  };
  while (running() && Date.now() < deadline) Atomics.wait(tick, 0, 0, 1);
}

/**
 * Pauses and resumes the local Kafka (SIGSTOP/SIGCONT to the pid services.sh recorded): a
 * broker that hangs rather than refuses. Until release(), it is also resumed if the test
 * process exits, so a failed test never leaves Kafka stopped.
 */
/** The real Kafka's pauser, or undefined with the test skipped where scripts/services.sh left no pid file. */
export function kafkaPauserOrSkip(t: { skip(message: string): void }): ReturnType<typeof kafkaPauser> | undefined {
  const pid = kafkaPid();
  if (pid === null) {
    t.skip('no Kafka pid file from scripts/services.sh');
    return undefined;
  }
  return kafkaPauser(pid);
}

export function kafkaPauser(pid: number): { pause(): void; resume(): void; release(): void } {
  const resume = (): void => {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // already gone
    }
  };
  process.once('exit', resume);
  return {
    pause: () => {
      process.kill(pid, 'SIGSTOP');
      waitUntilStopped(pid);
    },
    resume,
    release() {
      resume();
      process.removeListener('exit', resume);
    },
  };
}

/** Where scripts/services.sh keeps the broker's jars' classpath. */
const KAFKA_CLASSPATH = path.join(SERVICES_DIR, 'kafka/classpath.txt');
const READ_TOPIC_JAVA = path.resolve(__dirname, '../../../test/support/java/ReadTopic.java');

/** Why a Java consumer cannot be run here, or null when it can (java, and the broker's jars). */
export function javaConsumerUnavailable(): string | null {
  if (!existsSync(KAFKA_CLASSPATH)) return `no ${KAFKA_CLASSPATH} (scripts/services.sh resolves the broker's jars there)`;
  if (!existsSync(READ_TOPIC_JAVA)) return `no ${READ_TOPIC_JAVA}`;
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return java.status === 0 ? null : `java does not run: ${java.error?.message ?? java.stderr}`;
}

/** Reads `count` records of a topic with Kafka's Java consumer (test/support/java/ReadTopic.java): key and value of each. */
export async function javaReadTopic(topic: string, count: number): Promise<{ key: string; value: Buffer }[]> {
  const classpath = readFileSync(KAFKA_CLASSPATH, 'utf8').trim();
  const { stdout } = await execFileP('java', ['-cp', classpath, READ_TOPIC_JAVA, KAFKA_BROKER, topic, String(count)], {
    maxBuffer: 256 * 1024 * 1024, timeout: 90_000,
  });
  return stdout.split('\n').filter((line) => line.startsWith('RECORD ')).map((line) => {
    const [, key, value] = line.split(' ');
    return { key: key!, value: Buffer.from(value!, 'base64') };
  });
}

/** The compression codec id (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd) of the first record batch of a topic's partition 0, read from the broker's log file. */
export function firstBatchCodec(topic: string): number | null {
  const dir = path.join(SERVICES_DIR, 'kafka/data', `${topic}-0`);
  const log = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.log')) : undefined;
  if (!log) return null;
  const bytes = readFileSync(path.join(dir, log));
  // v2 batch: baseOffset 8, batchLength 4, partitionLeaderEpoch 4, magic 1, crc 4, then attributes int16.
  return bytes.length >= 23 ? bytes.readInt16BE(21) & 0x07 : null;
}
