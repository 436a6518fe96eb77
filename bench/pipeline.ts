// CPU cost of one request's pipeline without the network: urlencoded body chunks → form →
// split → map → validate → JSON → a sink that confirms at once → answer. What is left of
// the collector's CPU per record (bench/throughput) once this is taken away is HTTP, AMQP
// and the garbage collector under concurrency. Also the time of one bundle alone, which
// (the bundle read in one go, see gather-small) is one synchronous stretch of the loop.
// Usage: node dist/bench/pipeline.js [BUNDLES=300] [LOADS=sample,modern] [FORMS=multiupdate,update]
//   (BASE=<other dist>: A/B against that build, the two alternating round by round, 7 rounds or ROUNDS)
//   (with `node --cpu-prof --trace-gc dist/bench/pipeline.js …` for a profile of the record path)
import path from 'node:path';
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
const BASE = process.env['BASE'];
const ROUNDS = Number(process.env['ROUNDS'] ?? (BASE === undefined ? 3 : 7));

/** The builds measured: this one, and BASE's before it if given. */
const builds: { name: string; handle: typeof handleRequest }[] = [
  ...(BASE === undefined ? [] : [{ name: 'A', handle: (require(path.resolve(BASE, 'src/streams/handle-request')) as { handleRequest: typeof handleRequest }).handleRequest }]),
  { name: BASE === undefined ? 'this' : 'B', handle: handleRequest },
];
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const instant: Sink = { name: 'instant', format: 'json', unavailable$: of(null), publish: () => EMPTY, close: async () => {} };

async function measure(what: string, bodies: readonly Buffer[]): Promise<void> {
  const chunked = bodies.map((body) => {
    const chunks: Buffer[] = [];
    for (let i = 0; i < body.length; i += CHUNK) chunks.push(body.subarray(i, i + CHUNK));
    return chunks;
  });
  const once = async (handle: typeof handleRequest, k: number): Promise<void> => {
    const answer = await lastValueFrom(handle(from(chunked[k % chunked.length]!), {}, { sinks: [instant], timeoutMs: 60_000, maxBodySize: 1 << 26 }));
    if (answer.status !== 200) throw new Error(answer.body);
  };
  for (const b of builds) for (let i = 0; i < 50; i++) await once(b.handle, i); // warm-up
  const runs = builds.map((): number[] => []);
  const times = builds.map((): number[] => []);
  for (let r = 0; r < ROUNDS; r++) {
    // the builds alternate which goes first
    for (let j = 0; j < builds.length; j++) {
      const at = (j + r) % builds.length;
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < BUNDLES; i++) {
        const t0 = performance.now();
        await once(builds[at]!.handle, i);
        times[at]!.push(performance.now() - t0);
      }
      const cpu = process.cpuUsage(cpu0);
      runs[at]!.push((cpu.user + cpu.system) / (BUNDLES * RECORDS));
    }
  }
  const kB = bodies[0]!.length / 1000;
  builds.forEach((b, at) => {
    const t = times[at]!.sort((x, y) => x - y);
    const best = Math.min(...runs[at]!);
    const mid = median(runs[at]!);
    // and the median of each round's own B/A: the machine's speed drifts less within a round
    const paired = at > 0 ? median(runs[at]!.map((x, r) => x / runs[0]![r]!)) : 0;
    const ratio = at > 0 ? `  B/A ${(mid / median(runs[0]!)).toFixed(3)} (paired ${paired.toFixed(3)})` : '';
    console.log(`${what.padEnd(20)} ${b.name.padEnd(4)} ${mid.toFixed(1).padStart(6)} µs/record (best ${best.toFixed(1)}) ${((mid * RECORDS) / kB).toFixed(2).padStart(6)} µs/kB  (${ROUNDS} × ${BUNDLES} bundles of ${kB.toFixed(0)} kB: ${runs[at]!.map((x) => x.toFixed(1)).join(', ')}); ` +
      `one bundle p50 ${percentile(t, 50).toFixed(1)} p99 ${percentile(t, 99).toFixed(1)} max ${percentile(t, 100).toFixed(1)} ms${ratio}`);
  });
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
