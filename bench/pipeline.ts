// CPU cost of one request's pipeline without the network: urlencoded body chunks → form →
// split → map → validate → JSON → a sink that confirms at once → answer. What is left of
// the collector's CPU per record (bench/throughput) once this is taken away is HTTP, AMQP
// and the garbage collector under concurrency.
// Usage: node dist/bench/pipeline.js [BUNDLES=300]
import { EMPTY, from, lastValueFrom, of } from 'rxjs';
import type { Sink } from '../src/contracts/sink';
import { handleRequest } from '../src/streams/handle-request';
import { formBody } from './load';
import { envelopeOf, replicationOf, sampleRecords } from './sample-records';

const BUNDLES = Number(process.argv[2] ?? 300);
const RECORDS = 100;
const CHUNK = 64 * 1024; // as an HTTP body arrives

const instant: Sink = { name: 'instant', format: 'json', unavailable$: of(null), publish: () => EMPTY, close: async () => {} };

async function measure(form: string, body: Buffer): Promise<void> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.length; i += CHUNK) chunks.push(body.subarray(i, i + CHUNK));
  const once = async (): Promise<void> => {
    const answer = await lastValueFrom(handleRequest(from(chunks), {}, { sinks: [instant], timeoutMs: 60_000, maxBodySize: body.length }));
    if (answer.status !== 200) throw new Error(answer.body);
  };
  for (let i = 0; i < 50; i++) await once(); // warm-up
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < BUNDLES; i++) await once();
    const cpu = process.cpuUsage(cpu0);
    runs.push((cpu.user + cpu.system) / (BUNDLES * RECORDS));
  }
  console.log(`${form.padEnd(12)} ${Math.min(...runs).toFixed(1).padStart(6)} µs/record (best of 3 × ${BUNDLES} bundles; ${runs.map((x) => x.toFixed(1)).join(', ')})`);
}

async function main(): Promise<void> {
  const records = sampleRecords(RECORDS, 'pipeline');
  console.log(`request pipeline CPU per record, node ${process.version}`);
  await measure('multiupdate', formBody({ command: 'multiupdate', from: 'bench-probe', arg1: envelopeOf(records) }));
  await measure('update', formBody({ command: 'update', from: 'bench-collector', bundlesize: String(RECORDS), arg1: replicationOf(records) }));
}

void main();
