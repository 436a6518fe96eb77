// CPU cost of splitting bundles into records (PayloadSplitter: the XML reader and saxes), on
// one core, in µs per record: modern and sample records, as a RecordEnvelope and as a
// replication bundle, in 64 KiB chunks as an HTTP body arrives. With other builds' folders
// (`BASE=/tmp/base-dist[,/tmp/other-dist…]`) their splitters run in the same rounds, in turn,
// checked first to emit the same items (raw text and element trees). Give each other build a
// saxes of its own (a copy in its folder's node_modules): builds sharing saxes's functions
// would make them see parsers of several shapes, which slows them all.
// Usage: node dist/bench/split.js [ROUNDS=21] [LOADS=modern-env,modern-repl,sample-env,sample-repl]
//   (BASE=<other dists>: A/B against those builds)
import path from 'node:path';
import type { BundleItem } from '../src/records/bundle-item';
import { PayloadSplitter } from '../src/records/payload-splitter';
import { modernRecords } from './modern-records';
import { envelopeOf, replicationOf, sampleRecords } from './sample-records';

const ROUNDS = Number(process.argv[2] ?? 21);
const LOADS = (process.argv[3] ?? 'modern-env,modern-repl,sample-env,sample-repl').split(',');
const RECORDS = 100;
/** Bundles split in each timed stretch. */
const PER_STRETCH = 20;
const CHUNK = 64 * 1024;

type Splitter = new (emit: (item: BundleItem) => void) => { write(chunk: Buffer): void; end(): void; readonly count: number };

function chunks(text: string): Buffer[] {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK) out.push(bytes.subarray(i, i + CHUNK));
  return out;
}

function splitOnce(Split: Splitter, parts: readonly Buffer[], emit: (item: BundleItem) => void): number {
  const s = new Split(emit);
  for (const p of parts) s.write(p);
  s.end();
  return s.count;
}

/** CPU µs per record splitting `bundles` (in turn) PER_STRETCH times. */
function stretch(Split: Splitter, bundles: readonly Buffer[][]): number {
  let records = 0;
  const emit = (): void => {};
  const cpu0 = process.cpuUsage();
  for (let k = 0; k < PER_STRETCH; k++) records += splitOnce(Split, bundles[k % bundles.length]!, emit);
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / records;
}

/** What a splitter emits, as text: items with their trees and raw text. */
function emitted(Split: Splitter, parts: readonly Buffer[]): string {
  const out: string[] = [];
  splitOnce(Split, parts, (item) => out.push(JSON.stringify(item)));
  return out.join('\n');
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function bundlesOf(load: string): Buffer[][] {
  const [kind, form] = load.split('-');
  return Array.from({ length: 8 }, (_, k) => {
    const recs = kind === 'modern' ? modernRecords(RECORDS, { seed: 100 + k, first: k * RECORDS }) : sampleRecords(RECORDS, `split-${k}`);
    return chunks(form === 'repl' ? replicationOf(recs) : envelopeOf(recs));
  });
}

function main(): void {
  const bases = (process.env['BASE'] ?? '').split(',').filter((b) => b !== '');
  const others = bases.map((base) => (require(path.resolve(base, 'src', 'records', 'payload-splitter.js')) as { PayloadSplitter: Splitter }).PayloadSplitter);
  const splitters: Splitter[] = [...others, PayloadSplitter];
  const names = [...bases, 'this build'];
  console.log(`bundle splitting, CPU µs/record, median (and least) of ${ROUNDS} rounds, node ${process.version}`);
  if (others.length > 0) console.log(names.map((n, k) => `  ${String.fromCharCode(65 + k)} = ${n}`).join('\n'));
  for (const load of LOADS) {
    const bundles = bundlesOf(load);
    for (const other of others) {
      for (const b of bundles) if (emitted(other, b) !== emitted(PayloadSplitter, b)) throw new Error(`${load}: the builds split it differently`);
    }
    for (let w = 0; w < 3; w++) for (const s of splitters) stretch(s, bundles); // warm-up
    const times: number[][] = splitters.map(() => []);
    for (let r = 0; r < ROUNDS; r++) {
      // which goes first changes each round: the order alone can make a build faster
      const order = splitters.map((_, k) => (k + r) % splitters.length);
      for (const k of order) times[k]!.push(stretch(splitters[k]!, bundles));
    }
    // against A: the ratio of medians, and the median of each round's ratio (drift of the machine's speed cancels in it)
    const cells = times.map((t, k) => {
      const own = `${String.fromCharCode(65 + k)} ${median(t).toFixed(2).padStart(6)} (${Math.min(...t).toFixed(2)})`;
      if (k === 0) return own;
      const ratios = t.map((x, r) => x / times[0]![r]!);
      return `${own} /A ${(median(t) / median(times[0]!)).toFixed(3)} r${median(ratios).toFixed(3)}`;
    });
    console.log(`${load.padEnd(12)} ${cells.join('  ')}`);
  }
}

main();
