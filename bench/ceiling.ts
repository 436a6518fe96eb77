// The ceiling: what a bare amqplib publisher gets through the same broker with the same
// messages — the collector's JSON bodies, persistent, mandatory, with content type and
// message id, in 100-record batches on `channels` confirm channels of one connection,
// each channel waiting for the confirms of its batch before sending the next.
import amqplib, { type ConfirmChannel, type Message } from 'amqplib';
import { AMQP_URL } from './rabbit';

export interface CeilingResult {
  readonly records: number;
  readonly bytes: number;
  readonly seconds: number;
  /** Per batch, milliseconds, sorted. */
  readonly latenciesMs: readonly number[];
  /** This process's CPU time (user + system) while measuring, seconds. */
  readonly cpuSeconds: number;
}

export interface CeilingOptions {
  readonly exchange: string;
  /** Batches to send, cycled through. */
  readonly batches: readonly (readonly Buffer[])[];
  /** How many batches to send, and how many before them as warm-up. */
  readonly count: number;
  readonly warmup: number;
  readonly channels: number;
}

function publishBatch(ch: ConfirmChannel, exchange: string, batch: readonly Buffer[], tag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = batch.length;
    const onConfirm = (err: unknown): void => {
      if (err) reject(new Error('nacked'));
      else if (--pending === 0) resolve();
    };
    for (let i = 0; i < batch.length; i++) {
      ch.publish(exchange, '', batch[i]!, { persistent: true, mandatory: true, contentType: 'application/json', messageId: `${tag}.${i}` }, onConfirm);
    }
  });
}

export async function measureCeiling(options: CeilingOptions): Promise<CeilingResult> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    const channels = await Promise.all(Array.from({ length: options.channels }, () => connection.createConfirmChannel()));
    let returned = 0;
    for (const ch of channels) ch.on('return', (_m: Message) => returned++);
    const run = async (count: number, latencies: number[]): Promise<number> => {
      let next = 0;
      let bytes = 0;
      await Promise.all(channels.map(async (ch, c) => {
        while (next < count) {
          const n = next++;
          const batch = options.batches[n % options.batches.length]!;
          const t0 = process.hrtime.bigint();
          await publishBatch(ch, options.exchange, batch, `ceiling-${c}-${n}`);
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          for (const b of batch) bytes += b.length;
        }
      }));
      return bytes;
    };
    await run(options.warmup, []);
    const latencies: number[] = [];
    const start = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    const bytes = await run(options.count, latencies);
    const cpu = process.cpuUsage(cpu0);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (returned > 0) throw new Error(`${returned} messages returned unroutable`);
    const records = options.batches.length === 0 ? 0 : latencies.length * options.batches[0]!.length;
    return { records, bytes, seconds, latenciesMs: latencies.sort((a, b) => a - b), cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    await connection.close().catch(() => undefined);
  }
}
