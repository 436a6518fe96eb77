// CPU cost of the AMQP sink alone: this process publishes bundles of the collector's own JSON
// messages for the modern records (100 a bundle, `concurrency` bundles in flight) through an
// AmqpSink to the local RabbitMQ, persistent + mandatory + confirms, and reports its own CPU
// time per message. With `--base DIR` (another build's dist, e.g. main's copied aside) it runs
// that build's sink too, alternating the two phase by phase in the one process, and reports
// the medians and their ratio.
// `--profile FILE` writes a CPU profile of this build's measured phases only (for
// bench/cpuprofile-top), without the records' generation and conversion.
// Usage: node dist/bench/amqp-publish.js [--base DIR] [--bundles 400] [--rounds 5] [--concurrency 8] [--profile FILE]
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import bunyan from 'bunyan';
import { lastValueFrom } from 'rxjs';
import type { OutboundMessage } from '../src/contracts/sink';
import type { AmqpSink } from '../src/io/sinks/amqp/amqp-sink';
import type { AmqpSinkOptions } from '../src/io/sinks/amqp/options';
import { buildLoads } from './loads';
import { AMQP_URL, EXCHANGE_OPTIONS } from './rabbit';

interface Options {
  readonly base: string | undefined;
  readonly bundles: number;
  readonly rounds: number;
  readonly concurrency: number;
  readonly profile: string | undefined;
}

function parseArgs(argv: readonly string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i < 0 ? undefined : argv[i + 1];
  };
  return {
    base: value('--base'),
    bundles: Number(value('--bundles') ?? 400),
    rounds: Number(value('--rounds') ?? 5),
    concurrency: Number(value('--concurrency') ?? 8),
    profile: value('--profile'),
  };
}

type CreateSink = (options: AmqpSinkOptions) => AmqpSink;

const log = bunyan.createLogger({ name: 'amqp-publish-bench', level: 'warn' });

function sinkOptions(exchange: string): AmqpSinkOptions {
  const url = new URL(AMQP_URL);
  return {
    scheme: 'amqp', host: url.hostname, port: Number(url.port || 5672), vhost: '',
    user: decodeURIComponent(url.username), password: decodeURIComponent(url.password),
    exchange, exchangeType: 'fanout', ...EXCHANGE_OPTIONS,
    routingKey: 'gracc.osg.raw', format: 'json', retryMs: 200, maxRetryMs: 2000, log,
  };
}

/** Publishes `count` bundles, `concurrency` at a time; returns the CPU µs per message and the seconds taken. */
async function phase(sink: AmqpSink, bundles: readonly (readonly OutboundMessage[])[], count: number, concurrency: number): Promise<{ us: number; systemUs: number; seconds: number }> {
  let next = 0;
  let messages = 0;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const bundle = bundles[next++ % bundles.length]!;
      await lastValueFrom(sink.publish(bundle), { defaultValue: undefined });
      messages += bundle.length;
    }
  }));
  const cpu = process.cpuUsage(cpu0);
  return { us: (cpu.user + cpu.system) / messages, systemUs: cpu.system / messages, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** The inspector's CPU profiler, started and stopped around this build's phases. */
class Profiler {
  private readonly session = new Session();
  private started = false;
  constructor() {
    this.session.connect();
  }
  private post(method: string, params?: object): Promise<unknown> {
    return new Promise((resolve, reject) => this.session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
  }
  async start(): Promise<void> {
    if (!this.started) {
      await this.post('Profiler.enable');
      await this.post('Profiler.setSamplingInterval', { interval: 100 }); // µs
    }
    this.started = true;
    await this.post('Profiler.start');
  }
  /** Stops and keeps the latest phase's profile. */
  async stop(file: string): Promise<void> {
    const { profile } = (await this.post('Profiler.stop')) as { profile: unknown };
    writeFileSync(file, JSON.stringify(profile));
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const variants: { name: string; create: CreateSink }[] = [];
  if (o.base !== undefined) {
    const mod = require(path.resolve(o.base, 'src/io/sinks/amqp/amqp-sink')) as { createAmqpSink: CreateSink };
    variants.push({ name: 'base', create: mod.createAmqpSink });
  }
  variants.push({ name: 'this', create: (require('../src/io/sinks/amqp/amqp-sink') as { createAmqpSink: CreateSink }).createAmqpSink });

  const load = buildLoads(['modern'], ['multiupdate'], 100, 'amqp-publish')[0]!;
  const bundles = load.batches.map((batch) => batch.map((body, i): OutboundMessage => ({ key: `r${i}`, body, contentType: 'application/json' })));
  const kB = bundles[0]!.reduce((n, m) => n + m.body.length, 0) / bundles[0]!.length / 1000;

  // one exchange and a length-limited queue per variant: every message is routed, the broker drops the oldest
  const admin = await amqplib.connect(AMQP_URL);
  const ch = await admin.createChannel();
  const sinks: AmqpSink[] = [];
  for (const v of variants) {
    const name = `gracc-amqp-bench-${randomUUID()}`;
    await ch.assertExchange(name, 'fanout', EXCHANGE_OPTIONS);
    await ch.assertQueue(name, { durable: false, autoDelete: true, arguments: { 'x-max-length': 20_000 } });
    await ch.bindQueue(name, name, '');
    const sink = v.create(sinkOptions(name));
    await new Promise<void>((resolve) => {
      const s = sink.unavailable$.subscribe((r) => { if (r === null) { s?.unsubscribe(); resolve(); } });
    });
    sinks.push(sink);
  }
  try {
    for (const sink of sinks) await phase(sink, bundles, Math.max(50, o.bundles / 4), o.concurrency); // warm-up
    const us: number[][] = variants.map(() => []);
    const profiler = o.profile === undefined ? undefined : new Profiler();
    for (let r = 0; r < o.rounds; r++) {
      const line: string[] = [];
      for (let k = 0; k < sinks.length; k++) {
        const profiled = profiler !== undefined && k === sinks.length - 1;
        if (profiled) await profiler.start();
        const p = await phase(sinks[k]!, bundles, o.bundles, o.concurrency);
        if (profiled) await profiler.stop(o.profile!);
        us[k]!.push(p.us);
        line.push(`${variants[k]!.name} ${p.us.toFixed(2)} µs/msg (system ${p.systemUs.toFixed(2)}; ${((o.bundles * 100) / p.seconds).toFixed(0)} msg/s)`);
      }
      console.log(`round ${r + 1}: ${line.join(', ')}`);
    }
    const medians = us.map(median);
    console.log(`messages of ${kB.toFixed(2)} kB, ${o.bundles} bundles of 100 a phase, ${o.concurrency} in flight; median CPU µs/message: ` +
      variants.map((v, k) => `${v.name} ${medians[k]!.toFixed(2)}`).join(', ') +
      (medians.length === 2 ? `; this/base ${(medians[1]! / medians[0]!).toFixed(3)}` : ''));
  } finally {
    await Promise.all(sinks.map((s) => s.close()));
    await admin.close().catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
