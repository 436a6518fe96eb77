// The command line as operators use it: `validate` (exit codes 0, 78, 69 and what it prints),
// `--connect` against the real RabbitMQ and Kafka, and the earlier collector's unit file line.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { CLI, CollectorProcess } from '../support/collector-process';
import { ensureKafka, KAFKA_BROKER, KafkaTestClient } from '../support/kafka';
import { ensureRabbit, uniqueName } from '../support/rabbit';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const dir = mkdtempSync(path.join(tmpdir(), 'gracc-cli-'));
let files = 0;
/** A config file with `text`; the file sink (enabled) writes in the test's folder. */
function configFile(text: string): string {
  const file = path.join(dir, `config-${++files}.toml`);
  writeFileSync(file, `[file]\nenable = true\npath = "${path.join(dir, 'records.ndjson')}"\n${text}`);
  return file;
}

function cli(...args: string[]): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GRACC_')));
  return new Promise((resolve) =>
    execFile(process.execPath, [CLI, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr })));
}

const SECRET = 's3cr3t-for-the-test';
const AMQP = `[amqp]\nenable = true\nhost = "127.0.0.1"\npassword = "guest"\n`;

describe('gracc-collector validate', { timeout: 120_000 }, () => {
  it('a good file: exit 0, what the collector would run with, passwords masked', async () => {
    const run = await cli('validate', '-c', configFile(`[amqp]\nenable = false\n[kafka.sasl]\npassword = "${SECRET}"\n`));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /valid; the collector would run with:/);
    const shown = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as { kafka: { sasl: { password: string } }; file: { enable: boolean } };
    assert.equal(shown.kafka.sasl.password, '***');
    assert.equal(shown.file.enable, true);
    assert.doesNotMatch(run.stdout + run.stderr, new RegExp(SECRET));
  });

  it('an unknown key: exit 78 (EX_CONFIG), naming it', async () => {
    const run = await cli('validate', '-c', configFile('[amqp]\nexchang = "x"\n'));
    assert.equal(run.code, 78);
    assert.match(run.stderr, /is invalid:\n {2}config file .*: unknown key amqp\.exchang \(did you mean amqp\.exchange\?\)/);
    assert.equal(run.stdout, '');
  });

  it("Kafka's zstd: refused where this runtime has no zstd, with the reason; and the same at start-up", async () => {
    const file = configFile(`[amqp]\nenable = false\n[kafka]\nenable = true\ncompression = "zstd"\n`);
    const run = await cli('validate', '-c', file);
    if (typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function') {
      assert.equal(run.code, 0, run.stderr);
      return;
    }
    assert.equal(run.code, 78);
    assert.match(run.stderr, /kafka\.compression: compression 'zstd' is not available/);
    const serve = await cli('-c', file, '-l', 'stderr');
    assert.equal(serve.code, 78, 'start-up refuses what validate refuses, before "starting"');
    assert.match(serve.stderr, /compression 'zstd' is not available/);
    assert.doesNotMatch(serve.stderr, /"msg":"starting"/);
  });

  it('a file sink whose directory is missing: exit 78, naming file.path', async () => {
    const file = path.join(dir, 'nowhere.toml');
    writeFileSync(file, `[amqp]\nenable = false\n[file]\nenable = true\npath = "${path.join(dir, 'no-such-dir', 'r.ndjson')}"\n`);
    const run = await cli('validate', `-c=${file}`);
    assert.equal(run.code, 78);
    assert.match(run.stderr, /file\.path: its directory .*no-such-dir does not exist/);
  });

  it('an amqps CA file that cannot be read: exit 78, naming amqp.ca; and the same at start-up', async () => {
    const ca = path.join(dir, 'no-such-ca.pem');
    const file = configFile(`${AMQP}scheme = "amqps"\nca = "${ca}"\n`);
    const run = await cli('validate', '-c', file);
    assert.equal(run.code, 78, run.stdout + run.stderr);
    assert.match(run.stderr, /is invalid:\n {2}amqp\.ca: cannot read ".*no-such-ca\.pem" \(ENOENT\)/);
    const serve = await cli('-c', file, '-l', 'stderr');
    assert.equal(serve.code, 78, 'start-up refuses what validate refuses, before "starting"');
    assert.match(serve.stderr, /amqp\.ca: cannot read/);
    assert.doesNotMatch(serve.stderr, /"msg":"starting"/);
  });

  it('an unreadable config file and bad flags', async () => {
    const missing = await cli('validate', '-c', path.join(dir, 'absent.toml'));
    assert.equal(missing.code, 78);
    assert.match(missing.stderr, /cannot read it/);
    const bad = await cli('validate', '--bogus');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown flag --bogus\nusage: gracc-collector validate/);
  });
});

describe('gracc-collector validate --connect, against the real brokers', { timeout: 120_000 }, () => {
  const kafka = new KafkaTestClient();
  let topic: string;
  before(async () => {
    ensureRabbit();
    ensureKafka();
    topic = await kafka.createTopic({ what: 'validate' });
  });
  after(() => kafka.close());

  it('every broker there, the exchange declared and the topic present: exit 0', async () => {
    const exchange = uniqueName('validate');
    const run = await cli('validate', '--c', configFile(`${AMQP}exchange = "${exchange}"\n[kafka]\nenable = true\nbrokers = ["${KAFKA_BROKER}"]\ntopic = "${topic}"\n`), '-connect');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`connect amqp: OK: amqp://127\\.0\\.0\\.1:5672: connected, exchange "${exchange}" \\(fanout, durable\\) declared`));
    assert.match(run.stdout, new RegExp(`connect kafka: OK: .*topic "${topic}" present`));
  });

  it('RabbitMQ on a wrong port, or a topic missing: exit 69 (EX_UNAVAILABLE), each reported', async () => {
    const run = await cli('validate', '-c', configFile(`${AMQP}port = 1\n[kafka]\nenable = true\nbrokers = ["${KAFKA_BROKER}"]\ntopic = "${uniqueName('absent')}"\n`), '--connect');
    assert.equal(run.code, 69, run.stdout + run.stderr);
    assert.match(run.stdout, /connect amqp: FAILED: amqp:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
    assert.match(run.stdout, /connect kafka: FAILED: .*topic "gracc-it-absent-[0-9a-f]+" does not exist/);
  });
});

describe("the earlier collector's command line", { timeout: 60_000 }, () => {
  it('-c FILE -l FILE -pprof on starts it, profiling on the main port', async () => {
    // CollectorProcess gives `-c FILE -l FILE`; the rest as a Go collector's unit file has it.
    const collector = await CollectorProcess.start({ config: `[amqp]\nenable = false\n[file]\nenable = true\n`, logToFile: true, args: ['-pprof', 'on'] });
    try {
      const index = await collector.get('/debug/pprof/');
      assert.equal(index.status, 200);
      assert.match(index.body, /profile\?seconds=N/);
      const starting = collector.logs.find((l) => l.msg === 'starting');
      assert.equal(starting?.['version'], (await cli('--version')).stdout.trim().split(' ')[1]);
    } finally {
      await collector.close();
    }
  });
});
