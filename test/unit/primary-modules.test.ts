// The cluster's primary handles no requests: loading its modules and a configuration that
// enables every sink must load no sink client, no request pipeline and no HTTP server (each
// is memory the primary would hold for nothing, within the collector's RSS budget).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import bunyan from 'bunyan';
import { FileSink } from '../../src/io/sinks/file/file-sink';
import { loadConfig } from '../../src/main/config';
import { createSinks } from '../../src/main/sinks';

const MAIN = path.resolve(__dirname, '../../src/main');
/**
 * What only the workers need: the sinks' clients, the XML parser, the HTTP client. (rxjs is
 * loaded by the primary too: a transform's file, which reading the configuration reads, is an
 * RxJS operator written as any other, `import { map } from 'rxjs'`; some 6 MiB.)
 */
const WORKERS_ONLY = ['amqplib', 'amqp-connection-manager', 'kafkajs', 'snappy', 'lz4-napi', 'saxes', 'undici'];

test('the primary\'s modules, and a configuration enabling every sink, load none of the workers\' packages', () => {
  const script = `
    process.env.GRACC_AMQP_ENABLE = 'true'; process.env.GRACC_KAFKA_ENABLE = 'true'; process.env.GRACC_FILE_ENABLE = 'true';
    require(${JSON.stringify(path.join(MAIN, 'serve-command.js'))});
    require(${JSON.stringify(path.join(MAIN, 'cluster-primary.js'))});
    require(${JSON.stringify(path.join(MAIN, 'config.js'))}).loadConfig({});
    process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
  const loaded = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
  const packages = new Set(loaded.flatMap((file) => {
    const at = file.lastIndexOf('/node_modules/');
    if (at < 0) return [];
    const [scope, name] = file.slice(at + '/node_modules/'.length).split('/');
    return [scope!.startsWith('@') ? `${scope}/${name}` : scope!];
  }));
  assert.deepEqual(WORKERS_ONLY.filter((p) => packages.has(p)), []);
  assert.deepEqual(loaded.filter((f) => !f.includes('/node_modules/') && /\/(streams|operators)\/|\/io\/http-server|\/main\/(pipeline|service)\.js$/.test(f)), []);
});

// The registrations require their sink when making one (the file sink without a broker).
test('the registry makes the sink it requires on use', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gracc-sinks-'));
  try {
    const config = loadConfig({ env: { GRACC_FILE_PATH: path.join(dir, 'records.ndjson') } });
    const sinks = createSinks(config, bunyan.createLogger({ name: 'test', streams: [] }));
    assert.equal(sinks.length, 1);
    assert.ok(sinks[0] instanceof FileSink);
    await sinks[0]!.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
