// CPU cost of one request's pipeline without the network: urlencoded body chunks → form →
// split → map → validate → JSON → a sink that confirms at once → answer. What is left of
// the collector's CPU per record (bench/throughput) once this is taken away is HTTP, AMQP
// and the garbage collector under concurrency. Also the time of one bundle alone, which
// (the bundle read in one go, see gather-small) is one synchronous stretch of the loop.
// Usage: node dist/bench/pipeline.js [BUNDLES=300] [LOADS=sample,modern] [FORMS=multiupdate,update]
//   (with `node --cpu-prof --trace-gc dist/bench/pipeline.js …` for a profile of the record path)
import { EMPTY, from, lastValueFrom, of } from 'rxjs';
import type { Sink } from '../src/contracts/sink';
import { handleRequest } from '../src/streams/handle-request';
import { formBody, percentile } from './load';
import { modernRecords } from './modern-records';
import { envelopeOf, replicationOf, sampleRecords } from './sample-records';

const BUNDLES = Number(process.argv[2] ?? 300);
const LOADS = (process.argv[3] ?? 'sample,modern').split(',');
const FORMS = (process.argv[4] ?? 'multiupdate,update').split(',') as ('multiupdate' | 'update')[];
const RECORDS = 100;
const CHUNK = 64 * 1024; // as an HTTP body arrives
const DISTINCT = 16;

const instant: Sink = { name: 'instant', format: 'json', unavailable$: of(null), publish: () => EMPTY, close: async () => {} };

async function measure(what: string, bodies: readonly Buffer[]): Promise<void> {
  const chunked = bodies.map((body) => {
    const chunks: Buffer[] = [];
    for (let i = 0; i < body.length; i += CHUNK) chunks.push(body.subarray(i, i + CHUNK));
    return chunks;
  });
  const once = async (k: number): Promise<void> => {
    const answer = await lastValueFrom(handleRequest(from(chunked[k % chunked.length]!), {}, { sinks: [instant], timeoutMs: 60_000, maxBodySize: 1 << 26 }));
    if (answer.status !== 200) throw new Error(answer.body);
  };
  for (let i = 0; i < 50; i++) await once(i); // warm-up
  const runs: number[] = [];
  const times: number[] = [];
  for (let r = 0; r < 3; r++) {
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < BUNDLES; i++) {
      const t0 = performance.now();
      await once(i);
      times.push(performance.now() - t0);
    }
    const cpu = process.cpuUsage(cpu0);
    runs.push((cpu.user + cpu.system) / (BUNDLES * RECORDS));
  }
  times.sort((a, b) => a - b);
  const kB = bodies[0]!.length / 1000;
  const best = Math.min(...runs);
  console.log(`${what.padEnd(20)} ${best.toFixed(1).padStart(6)} µs/record ${((best * RECORDS) / kB).toFixed(2).padStart(6)} µs/kB  (best of 3 × ${BUNDLES} bundles of ${kB.toFixed(0)} kB; ${runs.map((x) => x.toFixed(1)).join(', ')}); ` +
    `one bundle p50 ${percentile(times, 50).toFixed(1)} p99 ${percentile(times, 99).toFixed(1)} max ${percentile(times, 100).toFixed(1)} ms`);
}

function bodiesOf(load: string, form: 'multiupdate' | 'update'): Buffer[] {
  return Array.from({ length: DISTINCT }, (_, k) => {
    const recs = load === 'modern' ? modernRecords(RECORDS, { seed: 100 + k, first: k * RECORDS }) : sampleRecords(RECORDS, `pipeline-${k}`);
    return form === 'multiupdate'
      ? formBody({ command: 'multiupdate', from: 'bench-probe', arg1: envelopeOf(recs) })
      : formBody({ command: 'update', from: 'bench-collector', bundlesize: String(RECORDS), arg1: replicationOf(recs) });
  });
}

async function main(): Promise<void> {
  console.log(`request pipeline CPU per record, node ${process.version}`);
  for (const load of LOADS) {
    for (const form of FORMS) await measure(`${load} ${form}`, bodiesOf(load, form));
  }
}

void main();
