// Throughput of the whole collector (HTTP → records → RabbitMQ with confirms), against the
// ceiling of the same broker: a bare amqplib publisher sending the same JSON messages.
//
// Usage: npm run bench [-- OPTIONS]        (builds, starts RabbitMQ, runs dist/bench/throughput.js)
//   --bundles N        measured bundles per phase (default 1000; env BENCH_BUNDLES)
//   --warmup N         warm-up bundles per phase, not measured (default 40; env BENCH_WARMUP)
//   --records N        records per bundle (default 100)
//   --concurrency N    concurrent requests = kept-alive connections = ceiling channels (default 8)
//   --workers LIST     collector worker counts to measure (default "1,2")
//   --forms LIST       multiupdate, update (default both)
//   --repeat K         run the whole comparison K times; the summary gives min–max (default 1)
//   --durable-queue    bind a durable queue (the broker writes persistent messages to disk)
//   --cpu-prof DIR     run the collector under `node --cpu-prof`, profiles in DIR
//   --broker-pid PID   also report the broker's CPU time per record (the beam.smp process)
//   --node-args "…"    node options for the collector, e.g. "--max-semi-space-size=64"
//
// Each phase sends its bundles to a fresh exchange with one bound queue, which it purges as
// they arrive (counting what it purges), and checks that every record arrived. The bare publisher sends half its bundles before the
// collector's phases and half after them: the ratio compares like with like on a machine
// whose speed drifts. Requires `npm run build` and RabbitMQ on 127.0.0.1:5672
// (or GRACC_BENCH_AMQP_URL=amqp://guest:guest@HOST:PORT for another broker).
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { CollectorProcess } from '../test/support/collector-process';
import { convertOk } from '../test/support/convert';
import { cpuTicks } from '../test/support/process-stats';
import { type CeilingResult, measureCeiling } from './ceiling';
import { formBody, percentile, postBundles } from './load';
import { AMQP_URL, CountingQueue } from './rabbit';

/** The broker of the bench and of the collector (GRACC_BENCH_AMQP_URL, guest/guest). */
const BROKER = new URL(AMQP_URL);
import { envelopeOf, replicationOf, sampleRecords } from './sample-records';

type Form = 'multiupdate' | 'update';

interface Options {
  bundles: number;
  warmup: number;
  records: number;
  concurrency: number;
  workers: number[];
  forms: Form[];
  repeat: number;
  durableQueue: boolean;
  cpuProf?: string;
  brokerPid?: number;
  nodeArgs: string[];
}

function parseOptions(argv: readonly string[]): Options {
  const env = process.env;
  const o: Options = {
    bundles: Number(env['BENCH_BUNDLES'] ?? 1000),
    warmup: Number(env['BENCH_WARMUP'] ?? 40),
    records: 100,
    concurrency: 8,
    workers: [1, 2],
    forms: ['multiupdate', 'update'],
    repeat: 1,
    durableQueue: false,
    nodeArgs: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    const int = (): number => {
      const n = Number(v());
      if (!Number.isInteger(n) || n < 0) throw new Error(`${a} takes a whole number`);
      return n;
    };
    if (a === '--bundles') o.bundles = int();
    else if (a === '--warmup') o.warmup = int();
    else if (a === '--records') o.records = int();
    else if (a === '--concurrency') o.concurrency = int();
    else if (a === '--repeat') o.repeat = Math.max(1, int());
    else if (a === '--workers') o.workers = v().split(',').map(Number);
    else if (a === '--forms') o.forms = v().split(',') as Form[];
    else if (a === '--durable-queue') o.durableQueue = true;
    else if (a === '--cpu-prof') o.cpuProf = v();
    else if (a === '--broker-pid') o.brokerPid = int();
    else if (a === '--node-args') o.nodeArgs = v().split(' ').filter((x) => x !== '');
    else throw new Error(`unknown option ${a} (see the head of bench/throughput.ts)`);
  }
  for (const f of o.forms) if (f !== 'multiupdate' && f !== 'update') throw new Error(`--forms: multiupdate or update, not ${f}`);
  return o;
}

/** One measured row of the table. */
interface Row {
  readonly repeat: number;
  readonly form: Form;
  /** 0 for the bare publisher. */
  readonly workers: number;
  readonly recordsPerS: number;
  readonly mbPerS: number;
  readonly p50: number;
  readonly p99: number;
  readonly rssMiB?: number;
  readonly ratio?: number;
  /** The collector's CPU time (all its processes) per record, µs: steadier than rates on a busy machine. */
  readonly cpuUsPerRecord?: number;
  /** The broker's CPU time per record, µs (with --broker-pid). */
  readonly brokerUsPerRecord?: number;
  /** The load generator's (this process's) CPU time per record, µs. */
  readonly loadUsPerRecord?: number;
  readonly ok: boolean;
  readonly note: string;
}

const DISTINCT_BUNDLES = 16;

function bundleTexts(form: Form, records: number, tag: string): string[] {
  return Array.from({ length: DISTINCT_BUNDLES }, (_, k) => {
    const recs = sampleRecords(records, `${tag}-${k}`);
    return form === 'multiupdate' ? envelopeOf(recs) : replicationOf(recs);
  });
}

function formBodies(form: Form, texts: readonly string[], records: number): Buffer[] {
  return texts.map((arg1) =>
    form === 'multiupdate'
      ? formBody({ command: 'multiupdate', from: 'bench-probe', arg1 })
      : formBody({ command: 'update', from: 'bench-collector', bundlesize: String(records), arg1 }));
}

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const brokerCpu = (o: Options): number => (o.brokerPid ? cpuTicks(o.brokerPid) / 100 : 0);

/** One half of a ceiling measurement. */
interface CeilingPart extends CeilingResult {
  readonly brokerSeconds: number;
  readonly sent: number;
  readonly note: string;
}

async function ceilingPart(o: Options, queue: CountingQueue, batches: readonly (readonly Buffer[])[], count: number): Promise<CeilingPart> {
  const broker0 = brokerCpu(o);
  queue.startDraining();
  const r = await measureCeiling({ exchange: queue.exchange, batches, count, warmup: o.warmup, channels: o.concurrency });
  const brokerSeconds = brokerCpu(o) - broker0;
  const sent = (count + o.warmup) * o.records;
  const got = await queue.waitFor(sent);
  await queue.purge();
  return { ...r, brokerSeconds, sent, note: got === sent ? '' : `queue holds ${got} of ${sent}` };
}

/**
 * The bare publisher's row, from the halves measured before and after the collector's
 * phases: a machine whose speed drifts (other tenants, CPU boost) then weighs on the
 * ceiling as on the collector, rather than on one of them.
 */
function ceilingRow(o: Options, repeat: number, form: Form, parts: readonly CeilingPart[]): Row {
  const sum = (get: (p: CeilingPart) => number): number => parts.reduce((s, p) => s + get(p), 0);
  const records = sum((p) => p.records);
  const seconds = sum((p) => p.seconds);
  const latencies = parts.flatMap((p) => p.latenciesMs).sort((a, b) => a - b);
  const notes = parts.map((p) => p.note).filter((n) => n !== '');
  return {
    repeat, form, workers: 0, recordsPerS: records / seconds, mbPerS: sum((p) => p.bytes) / seconds / 1e6,
    p50: percentile(latencies, 50), p99: percentile(latencies, 99), ok: notes.length === 0,
    cpuUsPerRecord: (sum((p) => p.cpuSeconds) * 1e6) / records,
    brokerUsPerRecord: o.brokerPid ? (sum((p) => p.brokerSeconds) * 1e6) / sum((p) => p.sent) : undefined,
    note: notes.join('; '),
  };
}

async function phaseCollector(o: Options, repeat: number, form: Form, workers: number, queue: CountingQueue, bodies: readonly Buffer[]): Promise<Row> {
  const collector = await CollectorProcess.start({
    env: {
      GRACC_WORKERS: String(workers),
      GRACC_AMQP_ENABLE: 'true',
      GRACC_AMQP_HOST: BROKER.hostname,
      GRACC_AMQP_PORT: BROKER.port || '5672',
      GRACC_AMQP_EXCHANGE: queue.exchange,
      GRACC_AMQP_EXCHANGETYPE: 'fanout',
      GRACC_AMQP_FORMAT: 'json',
      GRACC_LOGLEVEL: 'info',
    },
    // (the collector runs in its temporary folder: the profiles' folder as an absolute path)
    nodeArgs: [...o.nodeArgs, ...(o.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(o.cpuProf)}`] : [])],
    logToFile: true,
    readyChecks: 2 * workers,
  });
  const notes: string[] = [];
  let ok = true;
  try {
    queue.startDraining();
    const warm = await postBundles({ url: collector.url(), bodies, requests: o.warmup, concurrency: o.concurrency });
    const cpu0 = collector.cpuSeconds();
    const broker0 = brokerCpu(o);
    const r = await postBundles({ url: collector.url(), bodies, requests: o.bundles, concurrency: o.concurrency });
    const cpu = collector.cpuSeconds() - cpu0;
    const brokerSeconds = brokerCpu(o) - broker0;
    const rss = collector.peakRss();
    for (const [what, n] of [...warm.failures, ...r.failures]) {
      ok = false;
      notes.push(`${n}× ${what}`);
    }
    const exit = await collector.stop('SIGTERM');
    if (exit.code !== 0) {
      ok = false;
      notes.push(`exit ${JSON.stringify(exit)}`);
    }
    const expected = (o.bundles + o.warmup) * o.records;
    const got = await queue.waitFor(expected);
    if (got !== expected) {
      ok = false;
      notes.push(`queue holds ${got} of ${expected}`);
    }
    await queue.purge();
    const recordsPerS = (r.requests * o.records) / r.seconds;
    return {
      repeat, form, workers, recordsPerS, mbPerS: r.bytes / r.seconds / 1e6,
      p50: percentile(r.latenciesMs, 50), p99: percentile(r.latenciesMs, 99),
      rssMiB: rss.totalBytes / 2 ** 20, cpuUsPerRecord: (cpu * 1e6) / (r.requests * o.records),
      brokerUsPerRecord: o.brokerPid ? (brokerSeconds * 1e6) / (r.requests * o.records) : undefined,
      loadUsPerRecord: (r.cpuSeconds * 1e6) / (r.requests * o.records), ok, note: notes.join('; '),
    };
  } catch (e) {
    ok = false;
    throw e;
  } finally {
    await collector.close({ signal: 'SIGKILL', keepFiles: !ok });
    if (!ok) log(`  the collector's log: ${collector.logFile}`);
  }
}

const f0 = (x: number): string => x.toFixed(0);
const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);

function printRows(rows: readonly Row[]): void {
  const header = ['form', 'workers', 'records/s', 'MB/s', 'p50 ms', 'p99 ms', 'peak RSS MiB', 'CPU µs/rec', 'ratio', 'ok'];
  const lines = rows.map((r) => [
    r.form, r.workers === 0 ? 'bare amqplib' : String(r.workers), f0(r.recordsPerS), f1(r.mbPerS), f1(r.p50), f1(r.p99),
    r.rssMiB === undefined ? '' : f0(r.rssMiB), r.cpuUsPerRecord === undefined ? '' : f0(r.cpuUsPerRecord),
    r.ratio === undefined ? '' : f2(r.ratio), r.ok ? 'yes' : `NO ${r.note}`,
  ]);
  table(header, lines);
}

function table(header: readonly string[], lines: readonly string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: readonly string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(fmt(l));
}

function printRanges(rows: readonly Row[]): void {
  const keys = [...new Set(rows.map((r) => `${r.form}|${r.workers}`))];
  const range = (xs: number[], f: (x: number) => string): string => {
    const lo = Math.min(...xs), hi = Math.max(...xs);
    return f(lo) === f(hi) ? f(lo) : `${f(lo)}–${f(hi)}`;
  };
  const lines = keys.map((key) => {
    const group = rows.filter((r) => `${r.form}|${r.workers}` === key);
    const g0 = group[0]!;
    const pick = (get: (r: Row) => number | undefined): number[] => group.map(get).filter((x): x is number => x !== undefined);
    return [
      g0.form, g0.workers === 0 ? 'bare amqplib' : String(g0.workers), range(pick((r) => r.recordsPerS), f0), range(pick((r) => r.mbPerS), f1),
      range(pick((r) => r.p50), f1), range(pick((r) => r.p99), f1), g0.rssMiB === undefined ? '' : range(pick((r) => r.rssMiB), f0),
      g0.cpuUsPerRecord === undefined ? '' : range(pick((r) => r.cpuUsPerRecord), f0),
      g0.ratio === undefined ? '' : range(pick((r) => r.ratio), f2), group.every((r) => r.ok) ? 'yes' : 'NO',
    ];
  });
  table(['form', 'workers', 'records/s', 'MB/s', 'p50 ms', 'p99 ms', 'peak RSS MiB', 'CPU µs/rec', 'ratio', 'ok'], lines);
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  log(`throughput: ${o.bundles} bundles of ${o.records} records per phase (+${o.warmup} warm-up), ${o.concurrency} concurrent, ` +
    `workers ${o.workers.join(',')}, ${o.repeat} repeat(s), node ${process.version}, ${o.durableQueue ? 'durable' : 'transient'} queue on ${BROKER.host}`);
  const rows: Row[] = [];
  for (let repeat = 1; repeat <= o.repeat; repeat++) {
    for (const form of o.forms) {
      const queue = await CountingQueue.create('gracc-bench', o.durableQueue);
      try {
        const texts = bundleTexts(form, o.records, `r${repeat}-${form}`);
        // The bodies the collector itself would publish, from its own converter.
        const batches = texts.map((t) => convertOk([t]).map((s) => Buffer.from(s)));
        const before = await ceilingPart(o, queue, batches, Math.ceil(o.bundles / 2));
        const bodies = formBodies(form, texts, o.records);
        const collectorRows: Row[] = [];
        for (const workers of o.workers) {
          const row = await phaseCollector(o, repeat, form, workers, queue, bodies);
          collectorRows.push(row);
          log(`  #${repeat} ${form} collector, ${workers} worker(s): ${f0(row.recordsPerS)} records/s, p99 ${f1(row.p99)} ms, ` +
            `collector ${f0(row.cpuUsPerRecord!)} µs/rec, load generator ${f0(row.loadUsPerRecord!)} µs/rec${row.brokerUsPerRecord === undefined ? '' : `, broker ${f0(row.brokerUsPerRecord)} µs/rec`}${row.ok ? '' : ` FAILED ${row.note}`}`);
        }
        const after = await ceilingPart(o, queue, batches, Math.floor(o.bundles / 2));
        const ceiling = ceilingRow(o, repeat, form, [before, after]);
        rows.push(ceiling, ...collectorRows.map((r) => ({ ...r, ratio: r.recordsPerS / ceiling.recordsPerS })));
        log(`  #${repeat} ${form} bare publisher: ${f0(ceiling.recordsPerS)} records/s (${f0(before.records / before.seconds)} before, ${f0(after.records / after.seconds)} after), ` +
          `publisher ${f0(ceiling.cpuUsPerRecord!)} µs/rec${ceiling.brokerUsPerRecord === undefined ? '' : `, broker ${f0(ceiling.brokerUsPerRecord)} µs/rec`}; ` +
          `ratio ${collectorRows.map((r) => `${f2(r.recordsPerS / ceiling.recordsPerS)} at ${r.workers} worker(s)`).join(', ')}`);
      } finally {
        await queue.delete();
      }
    }
  }
  console.log(`\nrecords/s over the measured bundles; MB/s = request bytes (bare publisher: message bytes); p50/p99 per ${o.records}-record bundle at ${o.concurrency} concurrent;`);
  console.log('peak RSS = VmHWM of the collector process plus its workers; CPU µs/rec = the collector\'s user+system CPU time per measured record');
  console.log('(bare publisher: its own CPU time);');
  console.log('ratio = collector / bare publisher of the same repeat and form (its halves before and after the collector\'s phases).\n');
  printRows(rows);
  if (o.repeat > 1) {
    console.log(`\nmin–max over ${o.repeat} repeats:\n`);
    printRanges(rows);
  }
  // The targets are the collector's as it runs by default: one worker per CPU.
  const perCpu = availableParallelism();
  const judged = rows.filter((r) => r.workers === perCpu);
  const missed = judged.filter((r) => r.ratio! < 0.4 || r.p99 > 120);
  const verdict = judged.length === 0 ? `not measured (run with --workers ${perCpu})`
    : missed.length === 0 ? 'met' : `missed by ${missed.map((r) => `${r.form}#${r.repeat}`).join(', ')}`;
  console.log(`\ntargets at the default ${perCpu} worker(s), one per CPU (ratio ≥ 0.40, p99 ≤ 120 ms): ${verdict}`);
  return rows.every((r) => r.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
