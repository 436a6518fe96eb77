// What scripts/services.sh sets up for TLS, SASL and the two-node tests: the throw-away CA and
// certificates, the ports of every listener, the Kafka SASL users, and the second RabbitMQ node
// and the second Kafka broker (stopped and started again by a test, always restored).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureServices, runServices, SERVICES_DIR } from './services';

/** Where services.sh keeps the certificates (PEM). */
export const TLS_DIR = path.join(SERVICES_DIR, 'tls');

/** The files of TLS_DIR (absolute paths). */
export const TLS_FILES = {
  /** The test CA: trust it to verify every broker's certificate and `client`. */
  ca: path.join(TLS_DIR, 'ca.pem'),
  /** The brokers' certificate (CN localhost, SANs localhost and 127.0.0.1; serverAuth and clientAuth) and its key. */
  serverCert: path.join(TLS_DIR, 'server.pem'),
  serverKey: path.join(TLS_DIR, 'server.key'),
  /** A client certificate signed by the CA (CN gracc-test-client) and its key. */
  clientCert: path.join(TLS_DIR, 'client.pem'),
  clientKey: path.join(TLS_DIR, 'client.key'),
  /** Another CA, which signed none of the brokers' certificates ("wrong CA"). */
  badCa: path.join(TLS_DIR, 'bad-ca.pem'),
  /** A client certificate signed by the wrong CA (brokers refuse it) and its key. */
  badClientCert: path.join(TLS_DIR, 'bad-client.pem'),
  badClientKey: path.join(TLS_DIR, 'bad-client.key'),
} as const;

export type TlsFile = keyof typeof TLS_FILES;

/** The contents of one of the TLS files. */
export const tlsFile = (name: TlsFile): Buffer => readFileSync(TLS_FILES[name]);

/** Node TLS options of a client that trusts the test CA and shows the test client certificate. */
export const clientTls = () => ({ ca: [tlsFile('ca')], cert: tlsFile('clientCert'), key: tlsFile('clientKey') });

export const HOST = '127.0.0.1';

/** RabbitMQ: node 1 (the one every test shares) and node 2 (independent, not clustered); guest/guest on each. */
export const RABBIT_PORTS = {
  amqp: 5672,
  amqps: 5671,
  node2Amqp: 5673,
  node2Amqps: 5674,
} as const;

/** Kafka node `n` (1 or 2)'s listener ports. Node 2 is up only while a test wants it (`withKafkaBroker2`). */
export const kafkaPorts = (n: 1 | 2) => {
  const base = 9092 + 100 * (n - 1);
  return { plaintext: base, ssl: base + 2, saslPlaintext: base + 3, saslSsl: base + 4 } as const;
};

/** The SASL users of the Kafka listeners (SASL_PLAINTEXT, SASL_SSL); no ACLs. */
export const KAFKA_SASL_USERS = {
  plain: { mechanism: 'plain', username: 'gracc_plain', password: 'plain-secret' },
  scram: { mechanism: 'scram-sha-512', username: 'gracc_scram', password: 'scram-secret' },
} as const;

/** Brings up RabbitMQ's TLS listener, the second node and Kafka's TLS/SASL listeners (idempotent). */
export function ensureTlsServices(): void {
  ensureServices('rabbitmq', 'rabbitmq2', 'kafka');
}

/** Runs `fn` with the second RabbitMQ node stopped; it is ALWAYS started again. */
export async function withRabbit2Stopped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    await runServices('stop', 'rabbitmq2');
    return await fn();
  } finally {
    await runServices('start', 'rabbitmq2');
  }
}

/** Stops Kafka node 2 (a clean shutdown: its partitions' leadership moves to node 1). */
export const stopKafkaBroker2 = () => runServices('stop', 'kafka2');

/** Starts Kafka node 2 (and node 1 if it is down) and resolves once it answers. */
export const startKafkaBroker2 = () => runServices('start', 'kafka2');

/**
 * Runs `fn` with Kafka node 2 up; it is ALWAYS stopped again at the end (node 2 is down
 * outside such tests, so that the topics other tests create stay on node 1, the broker they
 * stop and pause).
 */
export async function withKafkaBroker2<T>(fn: () => Promise<T>): Promise<T> {
  try {
    await startKafkaBroker2();
    return await fn();
  } finally {
    await stopKafkaBroker2();
  }
}
