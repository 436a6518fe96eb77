// The whole collector (dist/src/cli.js) with TLS end to end, against the services of
// scripts/services.sh: probes over HTTPS with and without client certificates; records through
// AMQP over TLS and Kafka over TLS + SASL (and SASL PLAIN), every record of every OK bundle
// read back; bad CAs, unreadable files and wrong passwords; two RabbitMQ nodes, the one in use
// stopped under a stream of bundles; a Kafka broker of two stopped under a stream of bundles.
// Node 2 of RabbitMQ and broker 2 of Kafka are always started / stopped again as they were.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jobRecords, multiupdate, PING } from '../support/bundles';
import { CollectorProcess, formBody, RMI, sleep, waitUntil } from '../support/collector-process';
import { KafkaTestClient } from '../support/kafka';
import { RabbitAdmin, uniqueName } from '../support/rabbit';
import {
  clientTls, ensureTlsServices, HOST, KAFKA_SASL_USERS, kafkaPorts, RABBIT_PORTS, stopKafkaBroker2, TLS_FILES, tlsFile, withKafkaBroker2, withRabbit2Stopped,
} from '../support/tls';

type Answer = { status: number; body: string } | { error: string };

/** POSTs a Gratia form over HTTPS on a connection of its own; the answer, or the connection's error. */
function httpsPost(port: number, fields: Readonly<Record<string, string>>, tls: RequestOptions = {}): Promise<Answer> {
  const body = Buffer.from(formBody(fields));
  return new Promise((resolve) => {
    const req = httpsRequest({
      host: HOST, port, method: 'POST', path: RMI, agent: false, ca: [tlsFile('ca')], servername: 'localhost', ...tls,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length, connection: 'close' },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end(body);
  });
}

const statusOf = (a: Answer): string => ('error' in a ? `error ${a.error}` : `${a.status} ${a.body}`);

const LISTENER = `[tls]
enable = true
port = 0
cert = "${TLS_FILES.serverCert}"
key = "${TLS_FILES.serverKey}"
ca = "${TLS_FILES.ca}"
`;

const NO_SINKS = `[amqp]\nenable = false\n[file]\nenable = false\n`;

/** AMQP over TLS to node 1, with the test CA and client certificate. */
const amqpTls = (exchange: string, extra = '') => `[amqp]
enable = true
scheme = "amqps"
host = "127.0.0.1"
port = ${RABBIT_PORTS.amqps}
exchange = "${exchange}"
exchangeType = "fanout"
durable = false
autoDelete = false
retry = "200ms"
maxRetry = "1s"
ca = "${TLS_FILES.ca}"
cert = "${TLS_FILES.clientCert}"
key = "${TLS_FILES.clientKey}"
${extra}`;
/** Kafka with SASL, over SASL_SSL (trusting the test CA) or SASL_PLAINTEXT. */
const kafkaSasl = (topic: string, user: { mechanism: string; username: string; password: string }, ssl: boolean) => `[kafka]
enable = true
brokers = ["${HOST}:${ssl ? kafkaPorts(1).saslSsl : kafkaPorts(1).saslPlaintext}"]
topic = "${topic}"
ssl = ${ssl}
[kafka.tls]
ca = "${ssl ? TLS_FILES.ca : ''}"
[kafka.sasl]
mechanism = "${user.mechanism}"
username = "${user.username}"
password = "${user.password}"
`;

const collectors: CollectorProcess[] = [];
async function start(config: string, options: { waitReady?: boolean; workers?: number } = {}): Promise<CollectorProcess> {
  const c = await CollectorProcess.start({ config: `workers = ${options.workers ?? 1}\ntimeout = "5s"\n${config}`, waitReady: options.waitReady });
  collectors.push(c);
  return c;
}

/** The ids of the records of the bundles answered OK. */
function okIds(sent: ReadonlyArray<{ ids: readonly string[]; answer: Answer }>): string[] {
  return sent.filter((s) => !('error' in s.answer) && s.answer.status === 200).flatMap((s) => s.ids);
}

describe('the collector with TLS', { timeout: 300_000 }, () => {
  before(() => ensureTlsServices());
  after(async () => {
    for (const c of collectors.splice(0)) await c.close();
  });

  describe('HTTPS listener', () => {
    test('client certificates required: a probe with one is answered OK over HTTPS (its subject logged), one without is refused at the handshake; plain HTTP still answers', async () => {
      for (const workers of [1, 2]) {
        // (no sinks: with two workers the harness cannot see them ready; the listening line is enough)
        const c = await start(`${LISTENER}requireClientCert = true\n${NO_SINKS}`, { workers, waitReady: workers === 1 });
        assert.ok(c.httpsPort > 0 && c.httpsPort !== c.port);
        const withCert = await httpsPost(c.httpsPort, PING, clientTls());
        assert.equal(statusOf(withCert), '200 OK', `workers = ${workers}`);
        const line = await c.waitForLog((l) => l.msg === 'request' && l['clientCert'] !== undefined);
        assert.match(String(line['clientCert']), /CN=gracc-test-client/);
        assert.equal(line['clientCertUnverified'], undefined);

        const without = await httpsPost(c.httpsPort, PING);
        assert.ok('error' in without, `no certificate: ${statusOf(without)}`);
        const wrongCa = await httpsPost(c.httpsPort, PING, { cert: tlsFile('badClientCert'), key: tlsFile('badClientKey') });
        assert.ok('error' in wrongCa, `a certificate of another CA: ${statusOf(wrongCa)}`);
        await c.waitForLog((l) => l.msg === 'TLS handshake refused');

        const plain = await c.post(PING);
        assert.equal(`${plain.status} ${plain.body}`, '200 OK', 'plain HTTP beside HTTPS');
        await c.close();
      }
    });

    test('client certificates not required: a probe without one is answered OK too; a client not trusting the collector\'s CA gives up', async () => {
      const c = await start(`${LISTENER}${NO_SINKS}`);
      assert.equal(statusOf(await httpsPost(c.httpsPort, PING)), '200 OK');
      assert.equal(statusOf(await httpsPost(c.httpsPort, PING, clientTls())), '200 OK');
      const distrust = await httpsPost(c.httpsPort, PING, { ca: [tlsFile('badCa')] });
      assert.match(statusOf(distrust), /error .*(SELF_SIGNED|CERT|VERIFY)/i);
    });

    test('httpsOnly: no plain listener; a reload (SIGHUP) reads the certificate again (in every worker), and one that cannot be read is refused, the old certificate kept', async () => {
      for (const workers of [1, 2]) {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'gracc-it-tls-'));
        try {
          const cert = path.join(dir, 'server.pem');
          copyFileSync(TLS_FILES.serverCert, cert);
          const c = await start(`${LISTENER.replace(TLS_FILES.serverCert, cert)}httpsOnly = true\n${NO_SINKS}`, { workers, waitReady: false });
          assert.equal(c.port, 0, 'no HTTP port in the listening line');
          assert.equal(statusOf(await httpsPost(c.httpsPort, PING)), '200 OK');
          process.kill(c.pid, 'SIGHUP');
          // Each worker has its own HTTPS server: each reads the files again, relayed by the primary's reload message.
          const readers = () => new Set(c.logs.filter((l) => l.msg === 'HTTPS certificate and key read again').map((l) => l['pid']));
          await waitUntil(() => readers().size >= workers || undefined, 10_000, `${workers} worker(s) reading the certificate again`);
          rmSync(cert);
          process.kill(c.pid, 'SIGHUP');
          const refused = await c.waitForLog((l) => /^reload refused/.test(l.msg));
          assert.match(String(refused['reason']), /tls\.cert: cannot read/);
          assert.equal(statusOf(await httpsPost(c.httpsPort, PING)), '200 OK', `still serving with the certificate read before (workers = ${workers})`);
          assert.ok(c.running);
          await c.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    });

    test('start-up refuses a missing certificate file or a required client certificate without a CA, naming the key', async () => {
      for (const [config, problem] of [
        [LISTENER.replace(TLS_FILES.serverCert, '/nonexistent/cert.pem'), /tls\.cert: cannot read "\/nonexistent\/cert\.pem" \(ENOENT\)/],
        [LISTENER.replace(TLS_FILES.serverKey, '/nonexistent/secret-dir/key.pem'), /tls\.key: cannot read the key file \(ENOENT\)/],
        [LISTENER.replace(`ca = "${TLS_FILES.ca}"`, 'requireClientCert = true'), /tls\.ca: required with tls\.requireClientCert/],
      ] as const) {
        const { code, text } = await failedStart(`${config}${NO_SINKS}`);
        assert.equal(code, 78, 'EX_CONFIG');
        assert.match(text, problem);
        assert.doesNotMatch(text, /secret-dir/, 'the key file\'s path is not shown');
      }
    });
  });

  describe('brokers over TLS', () => {
    test('every record of every OK bundle arrives through AMQP over TLS (client certificate) and Kafka over SASL_SSL (SCRAM-SHA-512); the "starting" line shows no secret nor key path', async () => {
      const exchange = uniqueName('tls');
      const rabbit = new RabbitAdmin();
      const kafka = new KafkaTestClient();
      try {
        const queue = await rabbit.bindQueue(exchange, { declare: { type: 'fanout', durable: false, autoDelete: false } });
        rabbit.own(exchange);
        const topic = await kafka.createTopic({ what: 'tls', partitions: 3 });
        const c = await start(`${amqpTls(exchange)}${kafkaSasl(topic, KAFKA_SASL_USERS.scram, true)}[file]\nenable = false\n`);
        const starting = JSON.stringify(await c.waitForLog((l) => l.msg === 'starting'));
        for (const secret of [KAFKA_SASL_USERS.scram.password, TLS_FILES.clientKey]) assert.ok(!starting.includes(secret), `"starting" shows ${secret}`);
        const sent: { ids: string[]; answer: Answer }[] = [];
        for (let b = 0; b < 6; b++) {
          const records = jobRecords(uniqueName(`b${b}`), 5);
          const a = await c.post(multiupdate(records.map((r) => r.xml)));
          sent.push({ ids: records.map((r) => r.id), answer: { status: a.status, body: a.body } });
        }
        assert.deepEqual(sent.map((s) => statusOf(s.answer)), Array(6).fill('200 OK'));
        const ids = okIds(sent).sort();
        const fromQueue = (await rabbit.drain(queue, { min: ids.length })).map((m) => (JSON.parse(m.content.toString()) as { RecordId: string }).RecordId);
        assert.deepEqual([...new Set(fromQueue)].sort(), ids);
        const fromTopic = (await kafka.readTopic(topic, { atLeast: ids.length })).map((m) => m.key?.toString() ?? '');
        assert.deepEqual([...new Set(fromTopic)].sort(), ids);
      } finally {
        await rabbit.close();
        await kafka.close();
      }
    });

    test('Kafka SASL PLAIN works; a wrong password is a 503 naming the authentication failure and a clear log line, and the collector keeps running (no crash loop)', async () => {
      const kafka = new KafkaTestClient();
      try {
        const topic = await kafka.createTopic({ what: 'plain' });
        const ok = await start(`${NO_SINKS.replace('[file]', kafkaSasl(topic, KAFKA_SASL_USERS.plain, false) + '[file]')}`);
        const records = jobRecords(uniqueName('plain'), 4);
        assert.equal((await ok.post(multiupdate(records.map((r) => r.xml)))).status, 200);
        assert.equal(await kafka.count(topic), 4);

        const wrong = { ...KAFKA_SASL_USERS.scram, password: 'not-the-password' };
        const bad = await start(`${NO_SINKS.replace('[file]', kafkaSasl(topic, wrong, true) + '[file]')}`, { waitReady: false });
        const line = await bad.waitForLog((l) => /kafka: cannot connect/.test(l.msg), 20_000);
        assert.match(line.msg, /SASL|authentication/i);
        const answer = await bad.post(multiupdate(jobRecords(uniqueName('bad'), 2).map((r) => r.xml)));
        assert.equal(answer.status, 503);
        assert.match(answer.body, /^Error: kafka: .*(SASL|authentication)/i);
        await sleep(3000);
        assert.ok(bad.running, 'still running');
        assert.equal((await bad.get('/readyz')).status, 503);
        assert.equal(await kafka.count(topic), 4, 'nothing more was written');
      } finally {
        await kafka.close();
      }
    });

    test('AMQP with a CA that did not sign the broker\'s certificate: 503 naming the certificate problem; an unreadable key file stops the start naming amqp.key', async () => {
      const exchange = uniqueName('badca');
      const c = await start(amqpTls(exchange).replace(`ca = "${TLS_FILES.ca}"`, `ca = "${TLS_FILES.badCa}"`) + '[file]\nenable = false\n', { waitReady: false });
      await c.waitForLog((l) => l.msg === 'could not connect to the amqp broker');
      const answer = await c.post(multiupdate(jobRecords(uniqueName('x'), 1).map((r) => r.xml)));
      assert.equal(answer.status, 503);
      assert.match(answer.body, /^Error: amqp: not connected to amqps:\/\/127\.0\.0\.1:5671 \(last attempt: .*self-signed certificate in certificate chain\)/);

      const { code, text } = await failedStart(amqpTls(exchange).replace(TLS_FILES.clientKey, '/nonexistent/secret-dir/client.key'));
      assert.equal(code, 78, 'EX_CONFIG');
      assert.match(text, /amqp\.key: cannot read the key file \(ENOENT\)/);
      assert.doesNotMatch(text, /secret-dir/);
    });

    test('validate --connect uses the sinks\' TLS settings and [amqp] hosts: the first node that answers over amqps, Kafka over SASL_SSL; a wrong CA fails naming the certificate', async () => {
      const exchange = uniqueName('validate-tls');
      const rabbit = new RabbitAdmin();
      const kafka = new KafkaTestClient();
      try {
        rabbit.own(exchange);
        const topic = await kafka.createTopic({ what: 'validate-tls' });
        const nodes = `hosts = ["${HOST}:1", "${HOST}:${RABBIT_PORTS.amqps}"]\n`;
        const good = amqpTls(exchange).replace(`host = "127.0.0.1"\nport = ${RABBIT_PORTS.amqps}\n`, nodes) + kafkaSasl(topic, KAFKA_SASL_USERS.scram, true) + '[file]\nenable = false\n';
        const ok = await validate(good, '--connect');
        assert.equal(ok.code, 0, ok.text);
        assert.match(ok.text, new RegExp(`connect amqp: OK: amqps://127\\.0\\.0\\.1:${RABBIT_PORTS.amqps}: connected, exchange "${exchange}"`));
        assert.match(ok.text, /connect kafka: OK: /);
        const distrust = await validate(good.replace(`ca = "${TLS_FILES.ca}"`, `ca = "${TLS_FILES.badCa}"`), '--connect');
        assert.equal(distrust.code, 69, distrust.text);
        assert.match(distrust.text, /connect amqp: FAILED: amqps:\/\/127\.0\.0\.1:1: .*ECONNREFUSED.*; amqps:\/\/127\.0\.0\.1:5671: .*self-signed certificate/);
      } finally {
        await rabbit.close();
        await kafka.close();
      }
    });

    test('verify = false is logged as a warning at start (and then connects despite the wrong CA)', async () => {
      const exchange = uniqueName('noverify');
      const rabbit = new RabbitAdmin();
      try {
        await rabbit.bindQueue(exchange, { declare: { type: 'fanout', durable: false, autoDelete: false } });
        rabbit.own(exchange);
        const c = await start(amqpTls(exchange, 'verify = false\n').replace(`ca = "${TLS_FILES.ca}"`, `ca = "${TLS_FILES.badCa}"`) + '[file]\nenable = false\n');
        const warning = await c.waitForLog((l) => /amqp\.verify = false/.test(l.msg));
        assert.equal(warning.level, 40);
        assert.equal((await c.post(multiupdate(jobRecords(uniqueName('nv'), 1).map((r) => r.xml)))).status, 200);
      } finally {
        await rabbit.close();
      }
    });
  });

  describe('broker clusters', () => {
    test('two RabbitMQ nodes: the one in use (node 2) stopped under a stream of bundles gives 503s for a few seconds, then OKs via node 1; no record of an OK bundle is missing', async (t) => {
      const exchange = uniqueName('failover');
      const declare = { type: 'fanout', durable: true, autoDelete: false };
      const node1 = new RabbitAdmin(`amqp://guest:guest@${HOST}:${RABBIT_PORTS.amqp}`);
      const node2 = new RabbitAdmin(`amqp://guest:guest@${HOST}:${RABBIT_PORTS.node2Amqp}`);
      try {
        // Independent nodes: the exchange and a durable queue on each (node 2's outlives its stop).
        const queue1 = await node1.bindQueue(exchange, { declare, durable: true });
        const queue2 = await node2.bindQueue(exchange, { declare, durable: true });
        node1.own(exchange);
        node2.own(exchange);
        const config = amqpTls(exchange)
          .replace(/host = .*\nport = .*\n/, `hosts = ["${HOST}:${RABBIT_PORTS.node2Amqps}", "${HOST}:${RABBIT_PORTS.amqps}"]\n`)
          .replace('durable = false', 'durable = true');
        const c = await start(`${config}[file]\nenable = false\n`);
        assert.equal((await c.get('/readyz')).body, `OK (amqp: amqps://${HOST}:${RABBIT_PORTS.node2Amqps})`);

        const sent: { ids: string[]; answer: Answer; at: number }[] = [];
        let streaming = true;
        const stream = (async () => {
          for (let b = 0; streaming; b++) {
            const records = jobRecords(uniqueName(`s${b}`), 5);
            const a = await c.postFresh(multiupdate(records.map((r) => r.xml)));
            sent.push({ ids: records.map((r) => r.id), answer: 'error' in a ? { error: a.error } : { status: a.status, body: a.body }, at: Date.now() });
            await sleep(20);
          }
        })();
        let stoppedAt = 0;
        await withRabbit2Stopped(async () => {
          stoppedAt = Date.now();
          // OKs again, through node 1, while node 2 is still down
          await waitUntil(() => sent.filter((s) => s.at > stoppedAt && statusOf(s.answer) === '200 OK').length >= 10, 30_000, '10 OKs after the stop');
          assert.equal((await c.get('/readyz')).body, `OK (amqp: amqps://${HOST}:${RABBIT_PORTS.amqps})`);
          streaming = false;
          await stream;
        });
        const failures = sent.filter((s) => statusOf(s.answer) !== '200 OK');
        for (const f of failures) assert.match(statusOf(f.answer), /^503 Error: amqp: /, 'only 503s naming amqp');
        if (failures.length > 0) {
          const window = failures.at(-1)!.at - failures[0]!.at;
          assert.ok(window < 8000, `503s for ${window} ms`);
        }
        await c.waitForLog((l) => l.msg === 'amqp channel ready' && l['node'] === `amqps://${HOST}:${RABBIT_PORTS.amqps}`);
        t.diagnostic(`rabbitmq failover: ${sent.length} bundles, ${failures.length} not OK, over ${failures.length > 0 ? failures.at(-1)!.at - failures[0]!.at : 0} ms`);
        const ids = okIds(sent).sort();
        assert.ok(ids.length >= 50, `${ids.length} records in OK bundles`);
        const got = [
          ...(await node1.drain(queue1, { quietMs: 500 })),
          ...(await node2.drain(queue2, { quietMs: 500, timeoutMs: 20_000, min: 1 })),
        ].map((m) => (JSON.parse(m.content.toString()) as { RecordId: string }).RecordId);
        const missing = ids.filter((id) => !new Set(got).has(id));
        assert.deepEqual(missing, [], `${missing.length} records of OK bundles missing (of ${ids.length}; ${failures.length} bundles answered 503)`);
      } finally {
        await node1.close();
        await node2.close();
      }
    });

    test('two Kafka brokers: the leader of the topic\'s partitions stopped under a stream of bundles; no record of an OK bundle is missing, the sink checks every partition is in each send\'s answer', async (t) => {
      const both = [`${HOST}:${kafkaPorts(1).plaintext}`, `${HOST}:${kafkaPorts(2).plaintext}`];
      const admin = new KafkaTestClient(both, 'gracc-it-cluster');
      try {
        await withKafkaBroker2(async () => {
          // Broker 2 leads both partitions, broker 1 follows: stopping 2 moves the leadership.
          const topic = await admin.createTopic({ what: 'rf2', partitions: 2, replicas: [2, 1] });
          const c = await start(`[kafka]\nenable = true\nbrokers = ${JSON.stringify(both)}\ntopic = "${topic}"\n${NO_SINKS}`);
          const sent: { ids: string[]; answer: Answer; at: number }[] = [];
          let streaming = true;
          const stream = async (what: string) => {
            for (let b = 0; streaming; b++) {
              const records = jobRecords(uniqueName(`${what}${b}`), 5);
              const a = await c.postFresh(multiupdate(records.map((r) => r.xml)));
              sent.push({ ids: records.map((r) => r.id), answer: 'error' in a ? { error: a.error } : { status: a.status, body: a.body }, at: Date.now() });
              await sleep(20);
            }
          };
          // Bundles before the stop, so that the producer's metadata names broker 2 as the leader;
          // then, the producer idle, broker 2 stops (the case of kafkajs#1303), and bundles again.
          let running = stream('k');
          await waitUntil(() => sent.length >= 10, 20_000, '10 bundles before the stop');
          streaming = false;
          await running;
          await stopKafkaBroker2();
          const stoppedAt = Date.now();
          streaming = true;
          running = stream('after');
          await waitUntil(() => sent.filter((s) => s.at > stoppedAt && statusOf(s.answer) === '200 OK').length >= 10, 60_000, '10 OKs after the stop');
          streaming = false;
          await running;
          for (const f of sent.filter((s) => statusOf(s.answer) !== '200 OK')) assert.match(statusOf(f.answer), /^503 Error: kafka: /);
          const ids = okIds(sent).sort();
          const reader = new KafkaTestClient([both[0]!], 'gracc-it-cluster-reader');
          try {
            const got = new Set((await reader.readTopic(topic, { atLeast: ids.length })).map((m) => m.key?.toString() ?? ''));
            const missing = ids.filter((id) => !got.has(id));
            assert.deepEqual(missing, [], `${missing.length} records of OK bundles missing (of ${ids.length})`);
          } finally {
            await reader.close();
          }
          const caught = c.logs.filter((l) => /does not confirm partition/.test(l.msg)).length;
          t.diagnostic(`kafka two brokers: ${sent.length} bundles, ${sent.length - okIds(sent).length / 5} not OK, ${caught} sends failed by the answer check`);
        });
      } finally {
        await admin.close();
      }
    });
  });
});

/** Runs the collector with a configuration that must not start: its exit code and stderr. */
function failedStart(config: string): Promise<{ code: number | null; text: string }> {
  return runCli(config, []);
}

/** `gracc-collector validate -c FILE ...flags` on `config`: its exit code, stdout and stderr. */
function validate(config: string, ...flags: string[]): Promise<{ code: number | null; text: string }> {
  return runCli(config, ['validate'], flags);
}

async function runCli(config: string, before: string[], flags: string[] = []): Promise<{ code: number | null; text: string }> {
  const { spawnSync } = await import('node:child_process');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gracc-it-bad-'));
  try {
    const file = path.join(dir, 'c.toml');
    (await import('node:fs')).writeFileSync(file, config);
    const r = spawnSync(process.execPath, [path.resolve(__dirname, '../../src/cli.js'), ...before, '-c', file, ...flags], { encoding: 'utf8', timeout: 40_000, env: { PATH: process.env['PATH'] ?? '' } });
    return { code: r.status, text: `${r.stderr}${r.stdout}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
