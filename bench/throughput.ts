// Throughput of the whole collector (HTTP → records → RabbitMQ with confirms), against the
// ceiling of the same broker: a bare amqplib publisher sending the same JSON messages.
//
// Usage: npm run bench [-- OPTIONS]        (builds, starts RabbitMQ, runs dist/bench/throughput.js)
//   --bundles N        measured bundles per phase (default 1000; env BENCH_BUNDLES)
//   --warmup N         warm-up bundles per phase, not measured (default 40; env BENCH_WARMUP)
//   --records N        records per generated bundle (default 100; the capture has its 99)
//   --loads LIST       sample, modern, capture (default all; see bench/loads.ts)
//   --concurrency N    concurrent requests = kept-alive connections = ceiling channels (default 8)
//   --workers LIST     collector worker counts to measure (default "1,2")
//   --forms LIST       multiupdate, update (default both; capture is multiupdate only)
//   --repeat K         run the whole comparison K times; the summary gives min–max (default 1)
//   --durable-queue    bind a durable queue (the broker writes persistent messages to disk)
//   --cpu-prof DIR     run the collector under `node --cpu-prof`, profiles in DIR
//   --broker-pid PID   also report the broker's CPU time per record (the beam.smp process)
//   --node-args "…"    node options for the collector, e.g. "--max-semi-space-size=64"
//   --memory           also print each process's largest memory figures per phase (RSS, the
//                      V8 heap space by space, Buffers), from the loop probe
//   --no-loop-probe    without bench/loop-probe.ts in the collector's processes (event-loop
//                      delay and GC pauses of the workers, from perf_hooks)
//
// Each phase sends its bundles to a fresh exchange with one bound queue, which it purges as
// they arrive (counting what it purges), and checks that every record arrived. The bare publisher sends half its bundles before the
// collector's phases and half after them: the ratio compares like with like on a machine
// whose speed drifts. Requires `npm run build` and RabbitMQ on 127.0.0.1:5672
// (or GRACC_BENCH_AMQP_URL=amqp://guest:guest@HOST:PORT for another broker).
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { CollectorProcess } from '../test/support/collector-process';
import { cpuTicks } from '../test/support/process-stats';
import { type CeilingResult, measureCeiling } from './ceiling';
import { percentile, postBundles } from './load';
import { buildLoads, type Form, type Load, LOAD_NAMES, type LoadName } from './loads';
import { LoopReading, type LoopSummary, summarise } from './loop-reading';
import { AMQP_URL, CountingQueue } from './rabbit';

/** The broker of the bench and of the collector (GRACC_BENCH_AMQP_URL, guest/guest). */
const BROKER = new URL(AMQP_URL);

interface Options {
  bundles: number;
  warmup: number;
  records: number;
  concurrency: number;
  workers: number[];
  loads: LoadName[];
  forms: Form[];
  repeat: number;
  loopProbe: boolean;
  memory: boolean;
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
    loads: [...LOAD_NAMES],
    forms: ['multiupdate', 'update'],
    repeat: 1,
    loopProbe: true,
    memory: false,
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
    else if (a === '--loads') o.loads = v().split(',') as LoadName[];
    else if (a === '--no-loop-probe') o.loopProbe = false;
    else if (a === '--memory') o.memory = true;
    else if (a === '--durable-queue') o.durableQueue = true;
    else if (a === '--cpu-prof') o.cpuProf = v();
    else if (a === '--broker-pid') o.brokerPid = int();
    else if (a === '--node-args') o.nodeArgs = v().split(' ').filter((x) => x !== '');
    else throw new Error(`unknown option ${a} (see the head of bench/throughput.ts)`);
  }
  for (const f of o.forms) if (f !== 'multiupdate' && f !== 'update') throw new Error(`--forms: multiupdate or update, not ${f}`);
  for (const l of o.loads) if (!LOAD_NAMES.includes(l)) throw new Error(`--loads: ${LOAD_NAMES.join(', ')}, not ${l}`);
  return o;
}

/** One measured row of the table. */
interface Row {
  readonly repeat: number;
  readonly load: LoadName;
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
  /** The same per kB (1000 bytes) of request body as sent (bare publisher: of message body). */
  readonly cpuUsPerKB?: number;
  /** The workers' event loop and GC (the worst worker), with the loop probe. */
  readonly loop?: LoopSummary;
  /** The broker's CPU time per record, µs (with --broker-pid). */
  readonly brokerUsPerRecord?: number;
  /** The load generator's (this process's) CPU time per record, µs. */
  readonly loadUsPerRecord?: number;
  readonly ok: boolean;
  readonly note: string;
}

/** "rss 160 heap 95 (new 48 old 30 …) external 4 …", MiB, largest first within the heap. */
function describeMemory(m: Readonly<Record<string, number>>): string {
  const { rss = 0, heap = 0, heapUsed = 0, external = 0, arrayBuffers = 0, ...spaces } = m;
  const bySize = Object.entries(spaces).filter(([, v]) => v >= 0.5).sort((a, b) => b[1] - a[1]);
  const f = (v: number): string => v.toFixed(0);
  return `rss ${f(rss)} heap ${f(heap)} (used ${f(heapUsed)}; ${bySize.map(([k, v]) => `${k} ${f(v)}`).join(' ')}) external ${f(external)} arrayBuffers ${f(arrayBuffers)}`;
}

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const brokerCpu = (o: Options): number => (o.brokerPid ? cpuTicks(o.brokerPid) / 100 : 0);

/** One half of a ceiling measurement. */
interface CeilingPart extends CeilingResult {
  readonly brokerSeconds: number;
  readonly sent: number;
  readonly note: string;
}

async function ceilingPart(o: Options, load: Load, queue: CountingQueue, count: number): Promise<CeilingPart> {
  const broker0 = brokerCpu(o);
  queue.startDraining();
  const r = await measureCeiling({ exchange: queue.exchange, batches: load.batches, count, warmup: o.warmup, channels: o.concurrency });
  const brokerSeconds = brokerCpu(o) - broker0;
  const sent = (count + o.warmup) * load.recordsPerBundle;
  const got = await queue.waitFor(sent);
  await queue.purge();
  return { ...r, brokerSeconds, sent, note: got === sent ? '' : `queue holds ${got} of ${sent}` };
}

/**
 * The bare publisher's row, from the halves measured before and after the collector's
 * phases: a machine whose speed drifts (other tenants, CPU boost) then weighs on the
 * ceiling as on the collector, rather than on one of them.
 */
function ceilingRow(o: Options, repeat: number, load: Load, parts: readonly CeilingPart[]): Row {
  const sum = (get: (p: CeilingPart) => number): number => parts.reduce((s, p) => s + get(p), 0);
  const records = sum((p) => p.records);
  const seconds = sum((p) => p.seconds);
  const latencies = parts.flatMap((p) => p.latenciesMs).sort((a, b) => a - b);
  const notes = parts.map((p) => p.note).filter((n) => n !== '');
  const cpuUs = sum((p) => p.cpuSeconds) * 1e6;
  return {
    repeat, load: load.name, form: load.form, workers: 0, recordsPerS: records / seconds, mbPerS: sum((p) => p.bytes) / seconds / 1e6,
    p50: percentile(latencies, 50), p99: percentile(latencies, 99), ok: notes.length === 0,
    cpuUsPerRecord: cpuUs / records, cpuUsPerKB: cpuUs / (sum((p) => p.bytes) / 1000),
    brokerUsPerRecord: o.brokerPid ? (sum((p) => p.brokerSeconds) * 1e6) / sum((p) => p.sent) : undefined,
    note: notes.join('; '),
  };
}

async function phaseCollector(o: Options, repeat: number, load: Load, workers: number, queue: CountingQueue): Promise<Row> {
  const probe = o.loopProbe ? new LoopReading() : undefined;
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
      ...probe?.env,
    },
    // (the collector runs in its temporary folder: the profiles' folder as an absolute path)
    nodeArgs: [...o.nodeArgs, ...(probe?.nodeArgs ?? []), ...(o.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(o.cpuProf)}`] : [])],
    logToFile: true,
    readyChecks: 2 * workers,
  });
  const notes: string[] = [];
  let ok = true;
  const perBundle = load.recordsPerBundle;
  try {
    queue.startDraining();
    const bodies = load.bodies;
    const warm = await postBundles({ url: collector.url(), bodies, requests: o.warmup, concurrency: o.concurrency });
    const pids = [collector.pid, ...collector.workerPids()];
    await probe?.begin(pids);
    const cpu0 = collector.cpuSeconds();
    const broker0 = brokerCpu(o);
    const r = await postBundles({ url: collector.url(), bodies, requests: o.bundles, concurrency: o.concurrency });
    const cpu = collector.cpuSeconds() - cpu0;
    const brokerSeconds = brokerCpu(o) - broker0;
    const snapshots = probe ? await probe.end(pids) : undefined;
    const loop = snapshots ? summarise(snapshots) : undefined;
    if (o.memory) for (const s of snapshots ?? []) log(`memory ${load.name} ${load.form} ${s.role} ${s.pid}: ${describeMemory(s.memoryMaxMiB)}`);
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
    const expected = (o.bundles + o.warmup) * perBundle;
    const got = await queue.waitFor(expected);
    if (got !== expected) {
      ok = false;
      notes.push(`queue holds ${got} of ${expected}`);
    }
    await queue.purge();
    const records = r.requests * perBundle;
    return {
      repeat, load: load.name, form: load.form, workers, recordsPerS: records / r.seconds, mbPerS: r.bytes / r.seconds / 1e6,
      p50: percentile(r.latenciesMs, 50), p99: percentile(r.latenciesMs, 99),
      rssMiB: rss.totalBytes / 2 ** 20, cpuUsPerRecord: (cpu * 1e6) / records, cpuUsPerKB: (cpu * 1e6) / (r.bytes / 1000), loop,
      brokerUsPerRecord: o.brokerPid ? (brokerSeconds * 1e6) / records : undefined,
      loadUsPerRecord: (r.cpuSeconds * 1e6) / records, ok, note: notes.join('; '),
    };
  } catch (e) {
    ok = false;
    throw e;
  } finally {
    await collector.close({ signal: 'SIGKILL', keepFiles: !ok });
    probe?.close();
    if (!ok) log(`  the collector's log: ${collector.logFile}`);
  }
}

const f0 = (x: number): string => x.toFixed(0);
const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);

const HEADER = ['load', 'form', 'workers', 'records/s', 'MB/s', 'p50 ms', 'p99 ms', 'peak RSS MiB', 'CPU µs/rec', 'CPU µs/kB', 'loop max ms', 'loop p99 ms', 'stretch CPU ms', 'GC %', 'GC max ms', 'ratio', 'ok'];
/** The left-aligned columns. */
const TEXT_COLUMNS = 3;

/** The cells of a row (or of a group of rows: each figure as its min–max). */
function cells(group: readonly Row[]): string[] {
  const g0 = group[0]!;
  const cell = (get: (r: Row) => number | undefined, f: (x: number) => string): string => {
    const xs = group.map(get).filter((x): x is number => x !== undefined);
    if (xs.length === 0) return '';
    const lo = f(Math.min(...xs)), hi = f(Math.max(...xs));
    return lo === hi ? lo : `${lo}–${hi}`;
  };
  const pct = (x: number): string => (100 * x).toFixed(1);
  return [
    g0.load, g0.form, g0.workers === 0 ? 'bare amqplib' : String(g0.workers),
    cell((r) => r.recordsPerS, f0), cell((r) => r.mbPerS, f1), cell((r) => r.p50, f1), cell((r) => r.p99, f1),
    cell((r) => r.rssMiB, f0), cell((r) => r.cpuUsPerRecord, f0), cell((r) => r.cpuUsPerKB, f1),
    cell((r) => r.loop?.loopMaxMs, f0), cell((r) => r.loop?.loopP99Ms, f0), cell((r) => r.loop?.stretchCpuMaxMs, f1), cell((r) => r.loop?.gcShare, pct), cell((r) => r.loop?.gcMaxMs, f1),
    cell((r) => r.ratio, f2), group.every((r) => r.ok) ? 'yes' : `NO ${group.map((r) => r.note).filter((n) => n).join('; ')}`,
  ];
}

function table(lines: readonly string[][]): void {
  const widths = HEADER.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cs: readonly string[]): string => cs.map((c, i) => (i < TEXT_COLUMNS ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  console.log(fmt(HEADER));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(fmt(l));
}

const keyOf = (r: Row): string => `${r.load}|${r.form}|${r.workers}`;

function printRanges(rows: readonly Row[]): void {
  const keys = [...new Set(rows.map(keyOf))];
  table(keys.map((key) => cells(rows.filter((r) => keyOf(r) === key))));
}

/** Issue 13's targets, at the default workers: ratio, p99 per bundle, peak RSS of the collector. */
const TARGET = { ratio: 0.45, p99Ms: 100, rssMiB: 400 } as const;

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  log(`throughput: ${o.bundles} bundles per phase (+${o.warmup} warm-up), ${o.records} records per generated bundle, ${o.concurrency} concurrent, ` +
    `loads ${o.loads.join(',')}, workers ${o.workers.join(',')}, ${o.repeat} repeat(s), node ${process.version}, ${o.durableQueue ? 'durable' : 'transient'} queue on ${BROKER.host}`);
  const rows: Row[] = [];
  for (let repeat = 1; repeat <= o.repeat; repeat++) {
    for (const load of buildLoads(o.loads, o.forms, o.records, `r${repeat}`)) {
      const what = `${load.name} ${load.form}`;
      const queue = await CountingQueue.create('gracc-bench', o.durableQueue);
      try {
        const before = await ceilingPart(o, load, queue, Math.ceil(o.bundles / 2));
        const collectorRows: Row[] = [];
        for (const workers of o.workers) {
          const row = await phaseCollector(o, repeat, load, workers, queue);
          collectorRows.push(row);
          log(`  #${repeat} ${what} collector, ${workers} worker(s): ${f0(row.recordsPerS)} records/s, p99 ${f1(row.p99)} ms, ` +
            `collector ${f0(row.cpuUsPerRecord!)} µs/rec ${f1(row.cpuUsPerKB!)} µs/kB, load generator ${f0(row.loadUsPerRecord!)} µs/rec` +
            `${row.loop ? `, loop max ${f0(row.loop.loopMaxMs)} ms (${f1(row.loop.stretchCpuMaxMs)} ms CPU), GC ${(100 * row.loop.gcShare).toFixed(1)}% (max ${f1(row.loop.gcMaxMs)} ms)` : ''}` +
            `${row.brokerUsPerRecord === undefined ? '' : `, broker ${f0(row.brokerUsPerRecord)} µs/rec`}${row.ok ? '' : ` FAILED ${row.note}`}`);
        }
        const after = await ceilingPart(o, load, queue, Math.floor(o.bundles / 2));
        const ceiling = ceilingRow(o, repeat, load, [before, after]);
        rows.push(ceiling, ...collectorRows.map((r) => ({ ...r, ratio: r.recordsPerS / ceiling.recordsPerS })));
        log(`  #${repeat} ${what} bare publisher: ${f0(ceiling.recordsPerS)} records/s (${f0(before.records / before.seconds)} before, ${f0(after.records / after.seconds)} after), ` +
          `publisher ${f0(ceiling.cpuUsPerRecord!)} µs/rec${ceiling.brokerUsPerRecord === undefined ? '' : `, broker ${f0(ceiling.brokerUsPerRecord)} µs/rec`}; ` +
          `ratio ${collectorRows.map((r) => `${f2(r.recordsPerS / ceiling.recordsPerS)} at ${r.workers} worker(s)`).join(', ')}`);
      } finally {
        await queue.delete();
      }
    }
  }
  console.log(`\nrecords/s over the measured bundles; MB/s = request bytes (bare publisher: message bytes); p50/p99 per bundle (${o.records} records; capture 99) at ${o.concurrency} concurrent;`);
  console.log('peak RSS = VmHWM of the collector process plus its workers; CPU µs/rec and µs/kB = the collector\'s user+system CPU time (all its processes)');
  console.log('per measured record and per 1000 bytes of request body (bare publisher: its own CPU time, per message kB);');
  console.log('loop max/p99 = perf_hooks.monitorEventLoopDelay in the workers over the measured bundles (the worst worker; the max is the longest');
  console.log('synchronous stretch, ±5 ms, including any time the machine gave the core to others); stretch CPU = the most CPU time a worker');
  console.log('used between two ticks of a 5 ms timer (the longest stretch without the others\' time); GC % = GC pause time / wall time,');
  console.log('GC max = the longest pause (PerformanceObserver \'gc\'), worst worker;');
  console.log('ratio = collector / bare publisher of the same repeat and load (its halves before and after the collector\'s phases).\n');
  table(rows.map((r) => cells([r])));
  if (o.repeat > 1) {
    console.log(`\nmin–max over ${o.repeat} repeats:\n`);
    printRanges(rows);
  }
  // The targets are the collector's as it runs by default: one worker per CPU.
  const perCpu = availableParallelism();
  const judged = rows.filter((r) => r.workers === perCpu);
  const missed = judged.filter((r) => r.ratio! < TARGET.ratio || r.p99 > TARGET.p99Ms || r.rssMiB! > TARGET.rssMiB);
  const verdict = judged.length === 0 ? `not measured (run with --workers ${perCpu})`
    : missed.length === 0 ? 'met' : `missed by ${missed.map((r) => `${r.load} ${r.form}#${r.repeat}`).join(', ')}`;
  console.log(`\ntargets at the default ${perCpu} worker(s), one per CPU (ratio ≥ ${TARGET.ratio}, p99 ≤ ${TARGET.p99Ms} ms, peak RSS ≤ ${TARGET.rssMiB} MiB): ${verdict}`);
  return rows.every((r) => r.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
