// `gracc-collector convert` on one large envelope of modern records (bench/modern-records.ts),
// timed as a whole process: records/s and peak RSS (issue 13, item 4).
// Usage: npm run build && node dist/bench/convert-large.js [--records N=20000] [--repeat K=3] [--format json|xml|raw]
// The envelope is written to a temporary file first (about 57 MB for 20,000 records); the
// convert process reads it and writes one record a line to a pipe, whose lines are counted.
// Wall time and peak RSS come from /usr/bin/time (GNU time) when it is there, else from
// polling /proc/PID/status (VmHWM, read until the process exits).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { statusKb } from '../test/support/process-stats';
import { modernRecords } from './modern-records';
import { envelopeOf } from './sample-records';

const CLI = path.resolve(__dirname, '../src/cli.js');
const GNU_TIME = '/usr/bin/time';

interface Run {
  readonly seconds: number;
  readonly peakMiB: number;
  readonly cpuSeconds?: number;
  readonly lines: number;
}

function parseArgs(argv: readonly string[]): { records: number; repeat: number; format: string } {
  const o = { records: 20_000, repeat: 3, format: 'json' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!, v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    if (a === '--records') o.records = Number(v);
    else if (a === '--repeat') o.repeat = Number(v);
    else if (a === '--format') o.format = v;
    else throw new Error(`unknown option ${a} (see the head of bench/convert-large.ts)`);
  }
  return o;
}

function runOnce(file: string, format: string): Promise<Run> {
  const timed = existsSync(GNU_TIME);
  const args = ['convert', '--format', format, file];
  const child = timed
    ? spawn(GNU_TIME, ['-f', 'BENCH-TIME %e %M %U %S', process.execPath, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const t0 = process.hrtime.bigint();
  let lines = 0;
  let stderr = '';
  let polledKb = 0;
  const poll = timed ? undefined : setInterval(() => (polledKb = Math.max(polledKb, statusKb(child.pid!, 'VmHWM'))), 10);
  child.stdout!.on('data', (b: Buffer) => {
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) lines++;
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) return reject(new Error(`convert exited ${code}: ${stderr.slice(-2000)}`));
      const m = /BENCH-TIME (\S+) (\d+) (\S+) (\S+)/.exec(stderr);
      if (m) resolve({ seconds: Number(m[1]), peakMiB: Number(m[2]) / 1024, cpuSeconds: Number(m[3]) + Number(m[4]), lines });
      else resolve({ seconds: wall, peakMiB: polledKb / 1024, lines });
    });
  });
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gracc-bench-convert-'));
  try {
    const file = path.join(dir, 'envelope.xml');
    writeFileSync(file, envelopeOf(modernRecords(o.records, { seed: 20_000 })));
    const mb = statSync(file).size / 1e6;
    console.log(`convert --format ${o.format}: one envelope of ${o.records} modern records, ${mb.toFixed(1)} MB, node ${process.version}, whole process`);
    const runs: Run[] = [];
    for (let k = 0; k < o.repeat; k++) {
      const r = await runOnce(file, o.format);
      if (r.lines !== o.records) throw new Error(`expected ${o.records} lines, got ${r.lines}`);
      runs.push(r);
      console.log(`  run ${k + 1}: ${r.seconds.toFixed(2)} s, ${(o.records / r.seconds).toFixed(0)} records/s, ${(mb / r.seconds).toFixed(1)} MB/s, ` +
        `peak RSS ${r.peakMiB.toFixed(0)} MiB${r.cpuSeconds === undefined ? '' : `, CPU ${r.cpuSeconds.toFixed(2)} s (${(o.records / r.cpuSeconds).toFixed(0)} records/CPU-s)`}`);
    }
    const range = (xs: number[], d = 0): string => `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`;
    console.log(`min–max over ${runs.length}: ${range(runs.map((r) => o.records / r.seconds))} records/s, peak RSS ${range(runs.map((r) => r.peakMiB))} MiB ` +
      `(${range(runs.map((r) => r.peakMiB / mb), 1)}× the input)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
