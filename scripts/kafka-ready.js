#!/usr/bin/env node
// Exits 0 when a Kafka broker answers a real metadata request, 1 otherwise.
// Used by scripts/services.sh to poll the local test broker.
//
//   node scripts/kafka-ready.js [host:port] [--verbose]
//
// The broker defaults to $KAFKA_BROKERS (first entry) or 127.0.0.1:9092.
'use strict';

const { Kafka, logLevel } = require('kafkajs');

const args = process.argv.slice(2);
const verbose = args.includes('--verbose') || args.includes('-v');
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
    clearTimeout(timer);
    return `${broker}: cluster ${cluster.clusterId}, controller ${cluster.controller}, ` +
      `${cluster.brokers.length} broker(s), ${topics.length} topic(s)`;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

main().then(
  (summary) => done(0, summary),
  (err) => done(1, `${broker}: ${err && err.message ? err.message : err}`),
);
