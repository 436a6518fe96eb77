// Smoke tests of what scripts/services.sh sets up for TLS, SASL and two-node tests, with the
// client libraries the collector uses (amqplib, kafkajs) but not the collector: RabbitMQ over
// TLS and its second node, Kafka over SSL, SASL PLAIN and SCRAM-SHA-512, and a topic of two
// replicas that keeps taking messages when the second broker stops.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ConnectionOptions } from 'node:tls';
import amqplib from 'amqplib';
import { Kafka, type KafkaConfig, logLevel, type SASLOptions } from 'kafkajs';
import { KafkaTestClient } from '../support/kafka';
import { uniqueName } from '../support/rabbit';
import {
  clientTls, ensureTlsServices, HOST, KAFKA_SASL_USERS, kafkaPorts, RABBIT_PORTS, stopKafkaBroker2, tlsFile, withKafkaBroker2, withRabbit2Stopped,
} from '../support/tls';

/** Sends one message through a queue of the broker at `url` and reads it back. */
async function roundTrip(url: string, socketOptions: object = {}): Promise<string> {
  const model = await amqplib.connect(url, { timeout: 5000, ...socketOptions });
  try {
    const ch = await model.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true });
    const text = uniqueName('m');
    ch.sendToQueue(queue, Buffer.from(text));
    for (let i = 0; i < 100; i++) {
      const got = await ch.get(queue, { noAck: true });
      if (got) return got.content.toString();
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`nothing came back from ${queue}`);
  } finally {
    await model.close().catch(() => {});
  }
}

/** The error of a connection attempt that must fail. */
async function refused(connect: () => Promise<{ close(): Promise<void> }>): Promise<Error> {
  try {
    const model = await connect();
    await model.close().catch(() => {});
  } catch (e) {
    return e as Error;
  }
  assert.fail('the connection was accepted');
}

const kafkaClient = (port: number, connection: Pick<KafkaConfig, 'ssl' | 'sasl'>) =>
  new Kafka({ brokers: [`${HOST}:${port}`], clientId: 'gracc-it-tls', logLevel: logLevel.NOTHING, connectionTimeout: 3000, retry: { retries: 0 }, ...connection });

/** Connects an admin client and returns the ports of the brokers its metadata names. */
async function brokerPorts(kafka: Kafka): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.describeCluster()).brokers.map((b) => b.port).sort();
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Produces `values` (acks from every in-sync replica) with a producer of its own. */
async function produce(kafka: Kafka, topic: string, values: readonly string[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
  } finally {
    await producer.disconnect().catch(() => {});
  }
}

describe('TLS, SASL and two-node services of scripts/services.sh', { timeout: 240_000 }, () => {
  before(() => ensureTlsServices());

  describe('RabbitMQ', () => {
    it('takes AMQP over TLS on 5671 with the test CA and client certificate, by IP and by name', async () => {
      for (const host of [HOST, 'localhost']) {
        const url = `amqps://guest:guest@${host}:${RABBIT_PORTS.amqps}`;
        assert.match(await roundTrip(url, clientTls()), /^gracc-it-m-/, url);
      }
    });

    it('takes a TLS client without a certificate; a client trusting another CA, or showing a certificate of another CA, is refused', async () => {
      const url = `amqps://guest:guest@${HOST}:${RABBIT_PORTS.amqps}`;
      assert.match(await roundTrip(url, { ca: [tlsFile('ca')] }), /^gracc-it-m-/);
      const wrongCa = await refused(() => amqplib.connect(url, { ca: [tlsFile('badCa')], timeout: 5000 }));
      assert.match(String(wrongCa), /self-signed certificate in certificate chain/);
      const wrongClient = await refused(() =>
        amqplib.connect(url, { ca: [tlsFile('ca')], cert: tlsFile('badClientCert'), key: tlsFile('badClientKey'), timeout: 5000 }));
      assert.match(String(wrongClient), /unknown ca/i);
    });

    it('runs a second, independent node on 5673 (AMQP) and 5674 (TLS) that can be stopped and started again', async () => {
      assert.match(await roundTrip(`amqp://guest:guest@${HOST}:${RABBIT_PORTS.node2Amqp}`), /^gracc-it-m-/);
      assert.match(await roundTrip(`amqps://guest:guest@${HOST}:${RABBIT_PORTS.node2Amqps}`, clientTls()), /^gracc-it-m-/);

      // Not clustered: a queue declared on node 2 does not exist on node 1.
      const queue = uniqueName('q2');
      const node2 = await amqplib.connect(`amqp://guest:guest@${HOST}:${RABBIT_PORTS.node2Amqp}`);
      const node1 = await amqplib.connect(`amqp://guest:guest@${HOST}:${RABBIT_PORTS.amqp}`);
      try {
        await (await node2.createChannel()).assertQueue(queue, { autoDelete: true });
        const ch1 = await node1.createChannel();
        ch1.on('error', () => {});
        await assert.rejects(ch1.checkQueue(queue), /NOT_FOUND/);
      } finally {
        await node1.close().catch(() => {});
        await node2.close().catch(() => {});
      }

      await withRabbit2Stopped(async () => {
        await refused(() => amqplib.connect(`amqp://guest:guest@${HOST}:${RABBIT_PORTS.node2Amqp}`, { timeout: 3000 }));
        assert.match(await roundTrip(`amqps://guest:guest@${HOST}:${RABBIT_PORTS.amqps}`, clientTls()), /^gracc-it-m-/, 'node 1 is not affected');
      });
      assert.match(await roundTrip(`amqp://guest:guest@${HOST}:${RABBIT_PORTS.node2Amqp}`), /^gracc-it-m-/, 'node 2 is back');
    });
  });

  describe('Kafka', () => {
    it('takes SSL on 9094 with the test CA and client certificate: a topic is written and read back', async () => {
      const client = new KafkaTestClient([`${HOST}:${kafkaPorts(1).ssl}`], 'gracc-it-tls', { ssl: clientTls() });
      try {
        assert.deepEqual(await brokerPorts(client.kafka), [kafkaPorts(1).ssl], 'metadata names the SSL listener');
        const topic = await client.createTopic({ what: 'ssl' });
        await produce(client.kafka, topic, ['one', 'two']);
        const got = await client.readTopic(topic, { atLeast: 2 });
        assert.deepEqual(got.map((m) => m.value?.toString()), ['one', 'two']);
      } finally {
        await client.close();
      }
    });

    it('takes SSL without a client certificate; a client trusting another CA, or showing a certificate of another CA, is refused', async () => {
      const port = kafkaPorts(1).ssl;
      assert.deepEqual(await brokerPorts(kafkaClient(port, { ssl: { ca: [tlsFile('ca')] } })), [port]);
      await assert.rejects(brokerPorts(kafkaClient(port, { ssl: { ca: [tlsFile('badCa')] } })), /self-signed certificate in certificate chain/);
      await assert.rejects(
        brokerPorts(kafkaClient(port, { ssl: { ca: [tlsFile('ca')], cert: tlsFile('badClientCert'), key: tlsFile('badClientKey') } })),
        /Connection error|unknown ca|closed|ECONNRESET/i);
    });

    for (const [name, user] of Object.entries(KAFKA_SASL_USERS)) {
      const sasl = { ...user } as SASLOptions;
      const listeners: [string, number, ConnectionOptions | undefined][] = [
        ['SASL_PLAINTEXT', kafkaPorts(1).saslPlaintext, undefined],
        ['SASL_SSL', kafkaPorts(1).saslSsl, { ca: [tlsFile('ca')] }],
      ];
      for (const [listener, port, ssl] of listeners) {
        it(`authenticates ${user.username} with ${user.mechanism.toUpperCase()} on ${listener} (${port}) and refuses a wrong password`, async () => {
          const client = new KafkaTestClient([`${HOST}:${port}`], `gracc-it-${name}`, { sasl, ...(ssl ? { ssl } : {}) });
          try {
            const topic = await client.createTopic({ what: name });
            await produce(client.kafka, topic, ['a', 'b', 'c']);
            assert.equal(await client.count(topic), 3);
          } finally {
            await client.close();
          }
          const wrong = { ...user, password: `${user.password}-wrong` } as SASLOptions;
          await assert.rejects(brokerPorts(kafkaClient(port, { sasl: wrong, ...(ssl ? { ssl } : {}) })), (err: Error) => {
            assert.equal(err.name, 'KafkaJSSASLAuthenticationError', String(err));
            return true;
          });
        });
      }
    }

    it('with broker 2 up, a topic of two replicas keeps taking messages when broker 2 stops', async () => {
      const both = [`${HOST}:${kafkaPorts(1).plaintext}`, `${HOST}:${kafkaPorts(2).plaintext}`];
      const client = new KafkaTestClient(both, 'gracc-it-cluster');
      try {
        await withKafkaBroker2(async () => {
          assert.deepEqual(await brokerPorts(client.kafka), [kafkaPorts(1).plaintext, kafkaPorts(2).plaintext]);
          // Broker 2 leads the partition, broker 1 follows: stopping 2 moves the leadership.
          const topic = await client.createTopic({ what: 'rf2', replicas: [2, 1] });
          await produce(client.kafka, topic, ['1', '2', '3']);
          await stopKafkaBroker2();
          // A producer of its own, connected after the stop: a producer that had metadata naming
          // broker 2 as the leader can resolve its next send without the messages for that
          // partition (kafkajs 2.2.4, seen here; tulios/kafkajs#1303).
          await produce(client.kafka, topic, ['4', '5', '6']);
          const reader = new KafkaTestClient([both[0]!], 'gracc-it-cluster-reader');
          try {
            const got = await reader.readTopic(topic, { atLeast: 6 });
            assert.deepEqual(got.map((m) => m.value?.toString()), ['1', '2', '3', '4', '5', '6']);
          } finally {
            await reader.close();
          }
        });
      } finally {
        await client.close();
      }
    });
  });
});
