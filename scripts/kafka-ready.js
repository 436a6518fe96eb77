#!/usr/bin/env node
// Exits 0 when a Kafka broker answers a real metadata request, 1 otherwise.
// Used by scripts/services.sh to poll the local test broker.
//
//   node scripts/kafka-ready.js [host:port] [--verbose] [--coordinator]
//
// The broker defaults to $KAFKA_BROKERS (first entry) or 127.0.0.1:9092.
// --coordinator: also asks for a consumer group's coordinator, which makes the broker create
// __consumer_offsets now if it does not exist yet (services.sh does so before it starts a
// second broker, so that the offsets topic, of one replica, stays on the first one).
'use strict';

const { Kafka, logLevel } = require('kafkajs');

const args = process.argv.slice(2);
const verbose = args.includes('--verbose') || args.includes('-v');
const coordinator = args.includes('--coordinator');
const broker =
  args.find((a) => !a.startsWith('-')) ||
  (process.env.KAFKA_BROKERS || '').split(',')[0].trim() ||
  '127.0.0.1:9092';
const overallMs = Number(process.env.KAFKA_READY_TIMEOUT_MS || 10000);

function done(code, message) {
  if (message && (verbose || code !== 0)) process.stderr.write(`kafka-ready: ${message}\n`);
  process.exit(code);
}

const timer = setTimeout(() => done(1, `${broker}: no answer within ${overallMs} ms`), overallMs);

async function main() {
  const kafka = new Kafka({
    clientId: 'gracc-collector-kafka-ready',
    brokers: [broker],
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    if (!cluster.brokers || cluster.brokers.length === 0) throw new Error('metadata lists no broker');
    const topics = await admin.listTopics();
    if (coordinator) await findCoordinator(admin);
    clearTimeout(timer);
    return `${broker}: cluster ${cluster.clusterId}, controller ${cluster.controller}, ` +
      `${cluster.brokers.length} broker(s), ${topics.length} topic(s)`;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

// The broker answers COORDINATOR_NOT_AVAILABLE while it creates the offsets topic: ask again.
async function findCoordinator(admin) {
  for (;;) {
    try {
      await admin.describeGroups(['gracc-collector-kafka-ready']);
      return;
    } catch (err) {
      if (!/coordinator/i.test(String(err && err.message))) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

main().then(
  (summary) => done(0, summary),
  (err) => done(1, `${broker}: ${err && err.message ? err.message : err}`),
);
