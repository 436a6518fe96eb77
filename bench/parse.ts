// Benchmark of the record path on one core: bundle text → split → map → validate → JSON.
// Usage: npm run bench:parse [-- SECONDS]   (ROUTED=1: also with a templated routing key;
// TRANSFORMED=1: also through a filter, which tests every record and keeps them, and a set:
// a constant, a template and a copied number)
import { lastValueFrom, of, type OperatorFunction } from 'rxjs';
import { count } from 'rxjs/operators';
import { amqpEncoder } from '../src/io/sinks/amqp/encoder';
import { bundleEntries, bundleMessages } from '../src/streams/bundle-records';
import { buildTransformChain, readTransforms } from '../src/transforms/chain';
import { envelopeOf, replicationOf, sampleRecords } from './sample-records';

const seconds = Number(process.argv[2] ?? 5);
const RECORDS_PER_BUNDLE = 100;
const CHUNK = 64 * 1024; // as an HTTP body arrives

function chunks(text: string): Buffer[] {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK) out.push(bytes.subarray(i, i + CHUNK));
  return out;
}

type RecordPath = OperatorFunction<Buffer, unknown>;

/** As a sink with a templated routing key gets the records: each addressed by its fields too. */
const routed: RecordPath = bundleEntries([amqpEncoder({ format: 'json', routingKey: '{type}.{VOName:-unknown}' })]);

const TRANSFORM_TABLES = [
  { type: 'filter', action: 'drop', conditions: [{ field: 'VOName', oneOf: ['test', 'dteam'] }] },
  { type: 'set', fields: { Collector: 'bench', Probe: '{ProbeName}/{SiteName:-none}', Wall: '{WallDuration}' } },
];
/** The record path through a filter and a set, as configured by TRANSFORM_TABLES. */
const transformed: RecordPath = bundleMessages('json', buildTransformChain(readTransforms(TRANSFORM_TABLES, { baseDir: '.' }, (p) => {
  throw new Error(p);
})));

async function convertOnce(parts: Buffer[], path: RecordPath): Promise<number> {
  return lastValueFrom(of(...parts).pipe(path, count()));
}

async function measure(name: string, text: string, path: RecordPath = bundleMessages('json')): Promise<void> {
  const parts = chunks(text);
  const bytes = Buffer.byteLength(text);
  for (let i = 0; i < 50; i++) await convertOnce(parts, path); // warm-up
  let bundles = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(seconds * 1e9);
  let now = start;
  while (now < deadline) {
    const n = await convertOnce(parts, path);
    if (n !== RECORDS_PER_BUNDLE) throw new Error(`expected ${RECORDS_PER_BUNDLE} records, got ${n}`);
    bundles++;
    now = process.hrtime.bigint();
  }
  const elapsed = Number(now - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const rps = (bundles * RECORDS_PER_BUNDLE) / elapsed;
  const mbps = (bundles * bytes) / elapsed / 1e6;
  // Per CPU-second as well: on a busy machine wall-clock rates understate the code's speed.
  const perCpu = (bundles * RECORDS_PER_BUNDLE) / cpuSeconds;
  console.log(`${name.padEnd(12)} ${rps.toFixed(0).padStart(8)} records/s  ${mbps.toFixed(1).padStart(6)} MB/s  ${perCpu.toFixed(0).padStart(8)} records/CPU-s  (${bundles} bundles of ${RECORDS_PER_BUNDLE}, ${(bytes / 1024).toFixed(0)} KiB each, ${elapsed.toFixed(1)} s)`);
}

async function main(): Promise<void> {
  const records = sampleRecords(RECORDS_PER_BUNDLE);
  console.log(`bundle → GRACC JSON on one core, node ${process.version}`);
  await measure('multiupdate', envelopeOf(records));
  await measure('replication', replicationOf(records));
  // Only with ROUTED=1: the record path as a sink with routingKey = "{type}.{VOName:-unknown}" takes it.
  if (process.env['ROUTED'] === '1') await measure('repl+routed', replicationOf(records), routed);
  if (process.env['TRANSFORMED'] === '1') {
    await measure('multi+transf', envelopeOf(records), transformed);
    await measure('repl+transf', replicationOf(records), transformed);
  }
}

void main();
