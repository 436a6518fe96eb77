// CPU cost of a request body's way to records' XML text, A/B between builds in one process:
// the urlencoded form alone, the split alone (the decoded payload → UTF-8 → payload or
// replication splitter → XML reader, the records held until the end), and both. A body is
// one chunk, as the collector reads one up to 4 MiB (gather-small); CHUNK=65536 cuts it. Builds alternate round by round; the
// median and the minimum of each build and their ratios to the first are printed.
// Usage: node --expose-gc dist/bench/decode-stage.js [ROUNDS=7] DIST… (e.g. /tmp/base-dist dist)
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { count, filter, from, map, type Observable, type OperatorFunction, toArray } from 'rxjs';
import { formBody } from './load';
import { CAPTURE_FILE } from './loads';
import { modernRecords } from './modern-records';
import { envelopeOf, replicationOf, sampleRecords } from './sample-records';

interface FormPiece {
  readonly name: string;
  readonly bytes: Buffer;
}

interface Build {
  readonly name: string;
  readonly urlencodedForm: () => OperatorFunction<Uint8Array, FormPiece>;
  readonly split: () => OperatorFunction<Uint8Array | string, unknown>;
}

const ROUNDS = Number(process.argv[2] ?? 7);
const builds: Build[] = process.argv.slice(3).map((dist) => ({
  name: dist,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  urlencodedForm: (require(resolve(dist, 'src/operators/urlencoded-form.js')) as { urlencodedForm: Build['urlencodedForm'] }).urlencodedForm,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  split: (require(resolve(dist, 'src/operators/split.js')) as { split: Build['split'] }).split,
}));

const CHUNK = Number(process.env['CHUNK'] ?? Infinity);
const DISTINCT = 8;

function chunksOf(body: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.length; i += CHUNK) chunks.push(body.subarray(i, i + CHUNK));
  return chunks;
}

/** Runs an observable that completes synchronously; returns its last value. */
function runSync<T>(o: Observable<T>): T {
  let out: T | undefined;
  let error: unknown;
  o.subscribe({ next: (v) => (out = v), error: (e: unknown) => (error = e) });
  if (error !== undefined) throw error;
  return out!;
}

interface Load {
  readonly name: string;
  readonly records: number;
  readonly bodies: readonly Buffer[][];
  /** The decoded `arg1` of each body, in pieces of CHUNK bytes. */
  readonly payloads: readonly Buffer[][];
}

function loadOf(name: string, records: number, bodies: Buffer[]): Load {
  const payloads = bodies.map((b) => chunksOf(Buffer.from(new URLSearchParams(b.toString('latin1')).get('arg1') ?? '', 'utf8')));
  return { name, records, bodies: bodies.map(chunksOf), payloads };
}

function loads(): Load[] {
  const out: Load[] = [];
  for (const kind of ['sample', 'modern'] as const) {
    for (const form of ['multiupdate', 'update'] as const) {
      const bodies = Array.from({ length: DISTINCT }, (_, k) => {
        const recs = kind === 'modern' ? modernRecords(100, { seed: 100 + k, first: k * 100 }) : sampleRecords(100, `decode-${k}`);
        return form === 'multiupdate'
          ? formBody({ command: 'multiupdate', from: 'bench', arg1: envelopeOf(recs) })
          : formBody({ command: 'update', from: 'bench', bundlesize: '100', arg1: replicationOf(recs) });
      });
      out.push(loadOf(`${kind} ${form}`, 100, bodies));
    }
  }
  out.push(loadOf('probe-library', 100, [readFileSync(CAPTURE_FILE)]));
  return out;
}

type Stage = (build: Build, load: Load, k: number) => number;

const stages: Record<string, Stage> = {
  form: (b, l, k) => runSync(from(l.bodies[k % l.bodies.length]!).pipe(b.urlencodedForm(), count())),
  // the records held until the bundle ends, as validateAll holds them
  split: (b, l, k) => runSync(from(l.payloads[k % l.payloads.length]!).pipe(b.split(), toArray())).length,
  'form+split': (b, l, k) =>
    runSync(from(l.bodies[k % l.bodies.length]!).pipe(b.urlencodedForm(), filter((p) => p.name === 'arg1'), map((p) => p.bytes), b.split(), toArray())).length,
};

const gc = (globalThis as { gc?: () => void }).gc;

/** CPU µs per record of `bundles` runs of the stage (with --expose-gc, after collecting the garbage of the one before). */
function cpuPerRecord(stage: Stage, build: Build, load: Load, bundles: number): number {
  gc?.();
  const cpu0 = process.cpuUsage();
  for (let k = 0; k < bundles; k++) stage(build, load, k);
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / (bundles * load.records);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main(): void {
  console.log(`decode stages, CPU µs per record (median and min of ${ROUNDS} alternating rounds), node ${process.version}`);
  console.log(`builds: ${builds.map((b, i) => `${String.fromCharCode(65 + i)} = ${b.name}`).join(', ')}`);
  for (const load of loads()) {
    const kB = load.bodies[0]!.reduce((n, c) => n + c.length, 0) / 1000;
    for (const [stageName, stage] of Object.entries(stages)) {
      const bundles = stageName === 'form' ? 20 : 10;
      for (const b of builds) cpuPerRecord(stage, b, load, 20); // warm-up
      const runs = builds.map((): number[] => []);
      for (let r = 0; r < ROUNDS; r++) builds.forEach((b, i) => runs[i]!.push(cpuPerRecord(stage, b, load, bundles)));
      const medians = runs.map(median);
      const mins = runs.map((xs) => Math.min(...xs));
      const cols = medians.map((m, i) => `${String.fromCharCode(65 + i)} ${m.toFixed(2).padStart(6)}` + (i > 0 ? ` (${(m / medians[0]!).toFixed(2)})` : '') +
        ` min ${mins[i]!.toFixed(2)}` + (i > 0 ? ` (${(mins[i]! / mins[0]!).toFixed(2)})` : ''));
      console.log(`${load.name.padEnd(18)} ${kB.toFixed(0).padStart(4)} kB ${stageName.padEnd(11)} ${cols.join('  ')}`);
    }
  }
}

main();
