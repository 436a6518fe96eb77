import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  ConfigError,
  describeConfig,
  loadConfig,
  parseDuration,
  parseSize,
  type CollectorConfig,
} from '../../src/main/config';

// compiled to dist/test/unit/config.test.js
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gracc-config-test-'));
after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

let fileCount = 0;
function tomlFile(text: string): string {
  const file = path.join(tmpDir, `config-${++fileCount}.toml`);
  fs.writeFileSync(file, text);
  return file;
}

/** Runs fn, which must throw a ConfigError, and returns it. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(e.name, 'ConfigError');
    assert.equal(e.message, e.problems.join('\n'));
    return e;
  }
  assert.fail('expected a ConfigError, nothing was thrown');
}

const MiB = 1024 * 1024;

/** The defaults when a config file is given that sets nothing. */
const DEFAULTS: CollectorConfig = {
  address: '',
  port: 8080,
  timeout: 60_000,
  closeTimeout: 10_000,
  loglevel: 'info',
  maxBodySize: 64 * MiB,
  maxInFlightBytes: 256 * MiB,
  workers: 0,
  idleTimeout: 30_000,
  minBodyRate: 1024,
  maxConnections: 1000,
  drainTimeout: 90_000,
  tls: { enable: false, port: 8443, address: '', ca: '', cert: '', key: '', requireClientCert: false, httpsOnly: false },
  amqp: {
    enable: true,
    scheme: 'amqp',
    host: 'localhost',
    port: 5672,
    hosts: [],
    ca: '',
    cert: '',
    key: '',
    verify: true,
    vhost: '',
    exchange: 'gracc',
    exchangeType: 'fanout',
    durable: true,
    autoDelete: true,
    internal: false,
    routingKey: '',
    user: 'guest',
    password: 'guest',
    format: 'json',
    retry: 1_000,
    maxRetry: 3_600_000,
  },
  kafka: {
    enable: false,
    brokers: ['localhost:9092'],
    topic: 'gracc',
    key: '',
    format: 'json',
    clientId: 'gracc-collector',
    compression: 'none',
    ssl: false,
    tls: { ca: '', cert: '', key: '', verify: true },
    sasl: { mechanism: '', username: '', password: '' },
  },
  file: { enable: false, path: 'gracc-records.ndjson', format: 'json' },
  transforms: [],
};

function withChanges(change: (c: CollectorConfig) => void): CollectorConfig {
  const c = structuredClone(DEFAULTS);
  change(c);
  return c;
}

describe('loadConfig: defaults', () => {
  it('without a file: every default, file sink on and AMQP off', () => {
    const config = loadConfig({ env: {} });
    assert.deepEqual(
      config,
      withChanges((c) => {
        c.amqp.enable = false;
        c.file.enable = true;
      }),
    );
  });

  it('with an empty file: every default, AMQP on and file sink off', () => {
    assert.deepEqual(loadConfig({ file: tomlFile(''), env: {} }), DEFAULTS);
  });

  it('with a file holding only comments: the same', () => {
    assert.deepEqual(loadConfig({ file: tomlFile('# nothing here\n\n'), env: {} }), DEFAULTS);
  });

  it('reads process.env when no env is passed', () => {
    const saved = process.env.GRACC_WORKERS;
    process.env.GRACC_WORKERS = '3';
    try {
      assert.equal(loadConfig({}).workers, 3);
    } finally {
      if (saved === undefined) delete process.env.GRACC_WORKERS;
      else process.env.GRACC_WORKERS = saved;
    }
  });
});

describe('loadConfig: the earlier collector\'s files', () => {
  it('loads a Go-collector file with [AMQP]/[Kafka] tables, string ports and odd key case', () => {
    const file = tomlFile(`
address = "localhost"
Port = "8081"
LogLevel = "debug"
Timeout = "90s"
StartBufferSize = 4096
MaxBufferSize = 1048576

[AMQP]
Enable = true
host = "rabbit.example.org"
port = "5671"
Scheme = "amqps"
vhost = "gracc"
exchange = "gracc.osg.raw"
ExchangeType = "direct"
durable = true
AutoDelete = false
internal = true
RoutingKey = "osg"
user = "collector"
password = "s3cret"
format = "raw"
retry = "10s"
MAXRETRY = "30m"

[Kafka]
ENABLE = true
brokers = "k1.example.org:9092,k2.example.org:9093"
topic = "gracc-osg"
Format = "xml"
`);
    const config = loadConfig({ file, env: {} });
    assert.deepEqual(
      config,
      withChanges((c) => {
        c.address = 'localhost';
        c.port = 8081;
        c.loglevel = 'debug';
        c.timeout = 90_000;
        c.amqp = {
          ...c.amqp,
          enable: true,
          scheme: 'amqps',
          host: 'rabbit.example.org',
          port: 5671,
          vhost: 'gracc',
          exchange: 'gracc.osg.raw',
          exchangeType: 'direct',
          durable: true,
          autoDelete: false,
          internal: true,
          routingKey: 'osg',
          user: 'collector',
          password: 's3cret',
          format: 'raw',
          retry: 10_000,
          maxRetry: 1_800_000,
        };
        c.kafka.enable = true;
        c.kafka.brokers = ['k1.example.org:9092', 'k2.example.org:9093'];
        c.kafka.topic = 'gracc-osg';
        c.kafka.format = 'xml';
      }),
    );
    // the Go collector's buffer sizes are accepted but not part of the result
    assert.ok(!('startBufferSize' in config));
    assert.ok(!('maxBufferSize' in config));
  });

  it('loads the Go collector\'s sample gracc.cfg as written', () => {
    const file = tomlFile(
      'address = "localhost"\nport = "8080"\nloglevel = "debug"\n\n[AMQP]\nenable = true\nhost = "localhost"\n' +
        'port = "5672"\nscheme = "amqp"\nvhost = ""\nexchange = "gracc"\ndurable = true\nautoDelete = false\n' +
        'user = "guest"\npassword = "guest"\nformat = "json"\nretry = "10s"\n\n[kafka]\nenable = true\n' +
        'brokers = "localhost:9092"\ntopic = "gracc"',
    );
    const config = loadConfig({ file, env: {} });
    assert.equal(config.address, 'localhost');
    assert.equal(config.loglevel, 'debug');
    assert.equal(config.amqp.durable, true);
    assert.equal(config.amqp.autoDelete, false);
    assert.equal(config.amqp.retry, 10_000);
    assert.equal(config.file.enable, false);
    assert.deepEqual(config.kafka.brokers, ['localhost:9092']);
  });

  it('accepts logrus level names and any case of enum values', () => {
    assert.equal(loadConfig({ file: tomlFile('loglevel = "warning"'), env: {} }).loglevel, 'warn');
    assert.equal(loadConfig({ file: tomlFile('loglevel = "panic"'), env: {} }).loglevel, 'fatal');
    assert.equal(loadConfig({ file: tomlFile('loglevel = "DEBUG"'), env: {} }).loglevel, 'debug');
    assert.equal(loadConfig({ file: tomlFile('[amqp]\nexchangeType = "Topic"'), env: {} }).amqp.exchangeType, 'topic');
    // the Go collector treated an empty scheme as "amqp"
    assert.equal(loadConfig({ file: tomlFile('[amqp]\nscheme = ""'), env: {} }).amqp.scheme, 'amqp');
  });

  it('merges tables whose names differ only in case, and dotted keys', () => {
    const file = tomlFile('[kafka]\ntopic = "t"\n\n[Kafka.SASL]\nMechanism = "SCRAM-SHA-512"\nusername = "u"\n');
    const config = loadConfig({ file, env: {} });
    assert.equal(config.kafka.topic, 't');
    assert.deepEqual(config.kafka.sasl, { mechanism: 'scram-sha-512', username: 'u', password: '' });
    assert.equal(loadConfig({ file: tomlFile('AMQP.Host = "h"'), env: {} }).amqp.host, 'h');
  });

  it('takes brokers as a TOML array too', () => {
    const config = loadConfig({ file: tomlFile('[kafka]\nbrokers = ["a:1", "[::1]:9092"]'), env: {} });
    assert.deepEqual(config.kafka.brokers, ['a:1', '[::1]:9092']);
  });
});

describe('loadConfig: environment', () => {
  const file = () =>
    tomlFile('port = 9000\ntimeout = "5s"\n[amqp]\nhost = "from-file"\ndurable = true\n[kafka]\ntopic = "file-topic"\n');

  it('overrides the file', () => {
    const config = loadConfig({
      file: file(),
      env: {
        GRACC_PORT: '9100',
        GRACC_ADDRESS: '127.0.0.1',
        GRACC_TIMEOUT: '1.5h',
        GRACC_LOGLEVEL: 'error',
        GRACC_MAXBODYSIZE: '1GiB',
        GRACC_MAXINFLIGHTBYTES: '2147483648',
        GRACC_WORKERS: '4',
        GRACC_AMQP_HOST: 'from-env',
        GRACC_AMQP_DURABLE: '0',
        GRACC_AMQP_AUTODELETE: 'FALSE',
        GRACC_AMQP_EXCHANGETYPE: 'topic',
        GRACC_AMQP_MAXRETRY: '2h',
        GRACC_KAFKA_ENABLE: '1',
        GRACC_KAFKA_BROKERS: 'k1:9092, k2:9092',
        GRACC_KAFKA_SASL_MECHANISM: 'plain',
        GRACC_KAFKA_SASL_USERNAME: 'env-user', // plain needs one, checked with the configuration
        GRACC_KAFKA_SASL_PASSWORD: 'pw',
        GRACC_FILE_PATH: '/tmp/x.ndjson',
        PATH: '/usr/bin', // not ours: ignored
      },
    });
    assert.equal(config.port, 9100);
    assert.equal(config.address, '127.0.0.1');
    assert.equal(config.timeout, 5_400_000);
    assert.equal(config.loglevel, 'error');
    assert.equal(config.maxBodySize, 1024 * MiB);
    assert.equal(config.maxInFlightBytes, 2 * 1024 * MiB);
    assert.equal(config.workers, 4);
    assert.equal(config.amqp.host, 'from-env');
    assert.equal(config.amqp.durable, false);
    assert.equal(config.amqp.autoDelete, false);
    assert.equal(config.amqp.exchangeType, 'topic');
    assert.equal(config.amqp.maxRetry, 7_200_000);
    assert.equal(config.kafka.enable, true);
    assert.deepEqual(config.kafka.brokers, ['k1:9092', 'k2:9092']);
    assert.equal(config.kafka.topic, 'file-topic'); // not overridden
    assert.equal(config.kafka.sasl.mechanism, 'plain');
    assert.equal(config.kafka.sasl.password, 'pw');
    assert.equal(config.file.path, '/tmp/x.ndjson');
  });

  it('ignores empty variables, as the earlier collector did', () => {
    const config = loadConfig({ file: file(), env: { GRACC_PORT: '', GRACC_AMQP_HOST: '', GRACC_NOSUCHKEY: '' } });
    assert.equal(config.port, 9000);
    assert.equal(config.amqp.host, 'from-file');
  });

  it('rejects an unknown GRACC_ variable, naming it', () => {
    const err = configError(() => loadConfig({ env: { GRACC_AMQP_HOSTT: 'x' } }));
    assert.match(err.message, /unknown environment variable GRACC_AMQP_HOSTT/);
    assert.match(err.message, /did you mean GRACC_AMQP_HOST\?/);
  });

  it('rejects a bad env value, naming the variable, the key and the value', () => {
    const err = configError(() => loadConfig({ env: { GRACC_AMQP_DURABLE: 'yes' } }));
    assert.match(err.message, /GRACC_AMQP_DURABLE: amqp\.durable: must be true or false, got "yes"/);
    assert.match(
      configError(() => loadConfig({ env: { GRACC_PORT: '80a' } })).message,
      /GRACC_PORT: port: must be a port number, got "80a"/,
    );
    assert.match(
      configError(() => loadConfig({ env: { GRACC_WORKERS: '-1' } })).message,
      /workers: must be a whole number >= 0, got "-1"/,
    );
  });
});

describe('loadConfig: the no-file file-sink rule', () => {
  it('without a file enables the file sink and disables AMQP', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.file.enable, true);
    assert.equal(config.amqp.enable, false);
    assert.equal(config.kafka.enable, false);
  });

  it('with a file keeps the plain defaults for what the file does not set', () => {
    const config = loadConfig({ file: tomlFile('[kafka]\nenable = true\n'), env: {} });
    assert.equal(config.file.enable, false);
    assert.equal(config.amqp.enable, true);
    assert.equal(config.kafka.enable, true);
  });

  it('lets the environment override it either way', () => {
    const noFile = loadConfig({ env: { GRACC_AMQP_ENABLE: 'true', GRACC_FILE_ENABLE: 'false' } });
    assert.equal(noFile.amqp.enable, true);
    assert.equal(noFile.file.enable, false);
    const withFile = loadConfig({ file: tomlFile(''), env: { GRACC_FILE_ENABLE: '1' } });
    assert.equal(withFile.file.enable, true);
    assert.equal(withFile.amqp.enable, true);
  });
});

describe('loadConfig: errors', () => {
  it('rejects an unknown key, naming the file and the key', () => {
    const file = tomlFile('[amqp]\nautodelet = true\n');
    const err = configError(() => loadConfig({ file, env: {} }));
    assert.equal(err.problems.length, 1);
    assert.equal(err.message, `config file ${file}: unknown key amqp.autodelet (did you mean amqp.autoDelete?)`);
  });

  it('rejects unknown tables and keys at every level', () => {
    const file = tomlFile('colour = "red"\n[elasticsearch]\nhost = "x"\n[kafka.sasl]\nmechanismm = "plain"\n');
    const err = configError(() => loadConfig({ file, env: {} }));
    assert.deepEqual(
      err.problems.map((p) => p.replace(`config file ${file}: `, '')),
      ['unknown key colour', 'unknown table elasticsearch', 'unknown key kafka.sasl.mechanismm (did you mean kafka.sasl.mechanism?)'],
    );
  });

  it('rejects a bad value, naming the key and the value', () => {
    const file = tomlFile('[amqp]\nport = "abc"\n');
    const err = configError(() => loadConfig({ file, env: {} }));
    assert.equal(err.message, `config file ${file}: amqp.port: must be a port number, got "abc"`);
  });

  it('rejects values of the wrong kind', () => {
    const cases: Array<[string, RegExp]> = [
      ['port = 70000', /port: must be a port number, got 70000/],
      ['timeout = "10x"', /timeout: must be a duration such as "10s" or "1h30m", got "10x": unknown unit "x"/],
      ['timeout = 10', /timeout: must be a duration .*, got 10/],
      ['timeout = "-1s"', /timeout: must be a duration .*, got "-1s"/],
      ['[amqp]\nretry = "0s"', /amqp\.retry: must be a positive duration .*, got "0s"/],
      ['maxBodySize = "64XB"', /maxBodySize: must be a positive size .*, got "64XB": unknown unit "XB"/],
      ['maxBodySize = 0', /maxBodySize: must be a positive size .*, got 0/],
      ['maxInFlightBytes = 1.5', /maxInFlightBytes: .*, got 1\.5/],
      ['workers = 1.5', /workers: must be a whole number >= 0, got 1\.5/],
      ['loglevel = "verbose"', /loglevel: must be one of "trace", "debug", "info", "warn", "error", "fatal", got "verbose"/],
      ['[amqp]\nscheme = "http"', /amqp\.scheme: must be one of "amqp", "amqps", got "http"/],
      ['[amqp]\nformat = "yaml"', /amqp\.format: must be one of "json", "xml", "raw", got "yaml"/],
      ['[amqp]\ndurable = "maybe"', /amqp\.durable: must be true or false, got "maybe"/],
      ['[amqp]\nhost = 5', /amqp\.host: must be a string, got 5/],
      ['[amqp]\nhost = 1979-05-27', /amqp\.host: must be a single value, got a date-time/],
      ['[amqp.host]\nx = 1', /amqp\.host: must be a single value, got a table/],
      ['amqp = "x"', /amqp: must be a table, got a string/],
      ['[kafka]\nbrokers = ["nohost"]', /kafka\.brokers: must be a list of one or more "host:port" strings, got \["nohost"\]/],
      ['[kafka]\nbrokers = []', /kafka\.brokers: must be a list/],
      ['[kafka]\ncompression = "brotli"', /kafka\.compression: must be one of .*, got "brotli"/],
      ['[kafka.sasl]\nmechanism = "gssapi"', /kafka\.sasl\.mechanism: must be one of .*, got "gssapi"/],
      ['port = 1\nPORT = 2', /port is set more than once/],
      ['[amqp]\nroutingKey = "{type}.{VOName"', /amqp\.routingKey: unclosed "\{" at position 7 in "\{type\}\.\{VOName"/],
      ['[amqp]\nroutingKey = "a}"', /amqp\.routingKey: unmatched "\}" at position 1/],
      ['[kafka]\ntopic = "gracc-{}"', /kafka\.topic: empty field name at position 6/],
      ['[kafka]\nkey = "{RecordId"', /kafka\.key: unclosed "\{" at position 0/],
      ['[kafka]\ntopic = "gracc records"', /kafka\.topic: "gracc records", not a Kafka topic name/],
      [`[amqp]\nroutingKey = "${'k'.repeat(256)}"`, /amqp\.routingKey: a routing key of 256 bytes \(AMQP allows 255\)/],
    ];
    for (const [text, expected] of cases) {
      const err = configError(() => loadConfig({ file: tomlFile(text), env: {} }));
      assert.match(err.message, expected, `for ${JSON.stringify(text)}`);
    }
  });

  it('reports every problem at once', () => {
    const file = tomlFile('port = "x"\nbogus = 1\n[amqp]\nformat = "yaml"\n');
    const err = configError(() => loadConfig({ file, env: { GRACC_NOPE: '1', GRACC_KAFKA_SSL: 'sure' } }));
    assert.equal(err.problems.length, 5, err.message);
  });

  it('takes templates over the record\'s fields for the routing key, topic and Kafka key, kept as written', () => {
    const file = tomlFile('[amqp]\nroutingKey = "{type}.{VOName:-unknown}"\n[kafka]\ntopic = "gracc-{type}"\nkey = "{ProbeName}/{RecordId}"\n');
    const config = loadConfig({ file, env: { GRACC_KAFKA_TOPIC: 'gracc-{VOName:-none}' } });
    assert.deepEqual([config.amqp.routingKey, config.kafka.topic, config.kafka.key], ['{type}.{VOName:-unknown}', 'gracc-{VOName:-none}', '{ProbeName}/{RecordId}']);
    const err = configError(() => loadConfig({ env: { GRACC_AMQP_ROUTINGKEY: '{type' } }));
    assert.match(err.message, /^environment variable GRACC_AMQP_ROUTINGKEY: amqp\.routingKey: unclosed "\{" at position 0/);
  });

  it('rejects maxRetry shorter than retry', () => {
    const err = configError(() => loadConfig({ env: { GRACC_AMQP_RETRY: '2h' } }));
    assert.match(err.message, /amqp\.maxRetry: must not be shorter than amqp\.retry/);
  });

  it('names a missing file and a TOML syntax error', () => {
    const missing = path.join(tmpDir, 'missing.toml');
    assert.match(configError(() => loadConfig({ file: missing, env: {} })).message, /missing\.toml: cannot read it/);
    const bad = tomlFile('port = 8080\n[amqp\n');
    assert.match(configError(() => loadConfig({ file: bad, env: {} })).message, /invalid TOML at line 2/);
  });
});

describe('passwords', () => {
  const SECRET = 'hunter2-very-secret';

  it('never appear in error messages', () => {
    const texts = [
      `[amqp]\npassword = "${SECRET}\n`, // unterminated string: TOML syntax error on the password line
      `[amqp]\npassword = ["${SECRET}"]\n`,
      `[amqp]\npassword = { x = "${SECRET}" }\n`,
      `[kafka.sasl]\npassword = ["${SECRET}"]\n`,
      `[amqp]\npasword = "${SECRET}"\nport = "bad"\n`,
    ];
    for (const text of texts) {
      const err = configError(() => loadConfig({ file: tomlFile(text), env: {} }));
      assert.ok(!err.message.includes(SECRET), err.message);
      assert.ok(!err.problems.some((p) => p.includes(SECRET)));
    }
    const err = configError(() =>
      loadConfig({ env: { GRACC_AMQP_PASSWORD: SECRET, GRACC_KAFKA_SASL_PASSWORD: SECRET, GRACC_AMQP_PASSWORDD: SECRET } }),
    );
    assert.ok(!err.message.includes(SECRET), err.message);
    assert.match(err.message, /GRACC_AMQP_PASSWORDD/);
  });

  it('says which password is wrong without showing it', () => {
    const err = configError(() => loadConfig({ file: tomlFile('[amqp]\npassword = 123456789\n'), env: {} }));
    assert.match(err.message, /amqp\.password: must be a string, got a number \(value hidden\)/);
    assert.ok(!err.message.includes('123456789'));
  });

  it('are replaced by *** in describeConfig, without touching the config', () => {
    const config = loadConfig({ env: { GRACC_AMQP_PASSWORD: SECRET, GRACC_KAFKA_SASL_PASSWORD: SECRET } });
    const shown = describeConfig(config);
    assert.equal(shown.amqp.password, '***');
    assert.equal(shown.kafka.sasl.password, '***');
    assert.ok(!JSON.stringify(shown).includes(SECRET));
    assert.equal(config.amqp.password, SECRET);
    assert.equal(config.kafka.sasl.password, SECRET);
    // The TLS key files' paths are hidden too.
    assert.deepEqual([shown.tls.key, shown.amqp.key, shown.kafka.tls.key], ['***', '***', '***']);
    assert.deepEqual({
      ...shown,
      tls: { ...shown.tls, key: '' },
      amqp: { ...shown.amqp, password: SECRET, key: '' },
      kafka: { ...shown.kafka, tls: { ...shown.kafka.tls, key: '' }, sasl: { ...shown.kafka.sasl, password: SECRET } },
    }, config);
  });
});

describe('parseDuration', () => {
  it('parses Go durations into milliseconds', () => {
    const cases: Array<[string, number]> = [
      ['10s', 10_000],
      ['1h30m', 5_400_000],
      ['1.5h', 5_400_000],
      ['250ms', 250],
      ['0', 0],
      ['0s', 0],
      ['1m0.5s', 60_500],
      ['.5s', 500],
      ['5.s', 5_000],
      ['1us', 0.001],
      ['1\u00b5s', 0.001],
      ['1\u03bcs', 0.001],
      ['1500000ns', 1.5],
      ['2h45m30s', 9_930_000],
      ['1.005s', 1_005],
      ['+1s', 1_000],
      ['-1.5s', -1_500],
    ];
    for (const [s, ms] of cases) assert.equal(parseDuration(s), ms, s);
  });

  it('throws on junk, saying why', () => {
    const cases: Array<[string, RegExp]> = [
      ['10x', /unknown unit "x"/],
      ['10', /missing unit/],
      ['', /empty/],
      ['1h 30m', /unknown unit "h "/],
      ['s', /expected a number/],
      ['.s', /expected a number/],
      ['1..5s', /missing unit/],
      ['10S', /unknown unit "S"/],
      ['-', /empty/],
      ['9999999h', /too large/],
    ];
    for (const [s, why] of cases) {
      assert.throws(() => parseDuration(s), (e: unknown) => e instanceof Error && why.test(e.message) && e.message.includes(JSON.stringify(s)), s);
    }
  });
});

describe('parseSize', () => {
  it('parses bytes and units', () => {
    const cases: Array<[string | number, number]> = [
      [0, 0],
      [1024, 1024],
      ['100', 100],
      ['100B', 100],
      ['64MiB', 64 * MiB],
      ['64 MiB', 64 * MiB],
      ['64mib', 64 * MiB],
      ['512KB', 512_000],
      ['512KiB', 512 * 1024],
      ['1GiB', 1024 * MiB],
      ['1GB', 1e9],
      ['2Mi', 2 * MiB],
      ['1.5KiB', 1536],
      ['0.1MB', 100_000],
      ['1TiB', 2 ** 40],
    ];
    for (const [s, bytes] of cases) assert.equal(parseSize(s), bytes, String(s));
  });

  it('throws on junk', () => {
    for (const bad of ['64XB', '', 'abc', '-1', '1 2MB', 'MiB', -1, 1.5, Number.NaN, 2 ** 60]) {
      assert.throws(() => parseSize(bad), Error, String(bad));
    }
  });
});

describe('config/gracc-collector.toml', () => {
  const sample = path.join(REPO_ROOT, 'config', 'gracc-collector.toml');

  it('loads, and states exactly the defaults', () => {
    assert.deepEqual(loadConfig({ file: sample, env: {} }), DEFAULTS);
  });

  it('mentions every key', () => {
    const text = fs.readFileSync(sample, 'utf8');
    const keys = (value: object, prefix: string[]): string[][] =>
      Object.entries(value).flatMap(([k, v]) =>
        typeof v === 'object' && v !== null && !Array.isArray(v) ? keys(v, [...prefix, k]) : [[...prefix, k]],
      );
    // [[transforms]] is an array of tables, shown commented out (sample-config.test.ts checks it).
    const { transforms: _transforms, ...keyed } = DEFAULTS;
    for (const key of keys(keyed, [])) {
      const name = key[key.length - 1] ?? '';
      const table = key.slice(0, -1).join('.');
      const section = table === '' ? text.split(/^\[/m)[0] ?? '' : text.split(`[${table}]\n`)[1]?.split(/^\[/m)[0] ?? '';
      assert.match(section, new RegExp(`^${name} = .*# \\S`, 'm'), `${key.join('.')} with a comment`);
    }
  });
});
