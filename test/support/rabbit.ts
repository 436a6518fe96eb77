// The real RabbitMQ of scripts/services.sh (127.0.0.1:5672, guest/guest) for integration
// tests: bring it up, raise a memory alarm or stop its app (always undone), bind queues and
// read back what was published.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import amqplib, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { ensureServices } from './services';

export const AMQP_URL = process.env['GRACC_TEST_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A name no other test uses: `gracc-it-<what>-<random>`. */
export const uniqueName = (what = 'x') => `gracc-it-${what}-${randomBytes(5).toString('hex')}`;

/** Brings RabbitMQ up with scripts/services.sh (idempotent; also undoes a watermark 0 or stop_app left behind). */
export function ensureRabbit(): void {
  ensureServices('rabbitmq');
}

/** Runs rabbitmqctl, resolves with its standard output. */
export function rabbitmqctl(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('rabbitmqctl', ['-q', ...args], { timeout: 120_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`rabbitmqctl ${args.join(' ')}: ${err.message} ${stderr}`)) : resolve(stdout)));
}

let alarmRaised = false;
let appStopped = false;

/** Sets the memory high watermark to 0: the broker raises a memory alarm and blocks publishers. Undo with `clearMemoryAlarm`. */
export async function raiseMemoryAlarm(): Promise<void> {
  alarmRaised = true;
  await rabbitmqctl('set_vm_memory_high_watermark', '0');
}

/** Puts the watermark back to 0.4 (the services.sh value). */
export async function clearMemoryAlarm(): Promise<void> {
  await rabbitmqctl('set_vm_memory_high_watermark', '0.4');
  alarmRaised = false;
}

/** `rabbitmqctl stop_app`: the node stays, the broker closes every connection and refuses new ones. */
export async function stopApp(): Promise<void> {
  appStopped = true;
  await rabbitmqctl('stop_app');
}

/** `rabbitmqctl start_app`, then waits for the AMQP port to take connections again. */
export async function startApp(): Promise<void> {
  await rabbitmqctl('start_app');
  appStopped = false;
  await rabbitmqctl('await_startup').catch(() => {});
}

/** Runs `fn` with the memory alarm raised; the watermark is ALWAYS restored. */
export async function withMemoryAlarm<T>(fn: () => Promise<T>): Promise<T> {
  try {
    await raiseMemoryAlarm();
    return await fn();
  } finally {
    await clearMemoryAlarm();
  }
}

/** Runs `fn` with the broker's app stopped; `start_app` ALWAYS follows. */
export async function withAppStopped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    await stopApp();
    return await fn();
  } finally {
    await startApp();
  }
}

/** Undoes whatever of the above this process left in place (for `after` hooks); does nothing otherwise. */
export async function restoreBroker(): Promise<void> {
  if (appStopped) await startApp();
  if (alarmRaised) await clearMemoryAlarm();
}

export interface BindOptions {
  /** Declare the exchange first, with these settings (they must match the collector's). */
  readonly declare?: { type: string; durable: boolean; autoDelete: boolean };
  readonly routingKey?: string;
  /** A named durable queue (survives stop_app); otherwise a server-named exclusive one. */
  readonly durable?: boolean;
}

export interface DrainOptions {
  /** Wait for at least this many messages (default 0). */
  readonly min?: number;
  /** Give up waiting for `min` after this long, ms (default 10000); what came is returned. */
  readonly timeoutMs?: number;
  /** Once `min` is reached, keep reading until nothing came for this long, ms (default 200). */
  readonly quietMs?: number;
}

/**
 * A test's own connection to the broker, to bind queues to the collector's exchange and
 * read back what it published. Reconnects by itself (`channel()`) after a stop_app.
 */
export class RabbitAdmin {
  private model: ChannelModel | undefined;
  private ch: Channel | undefined;
  /** Queues and exchanges to delete on close. */
  private readonly owned: { queues: Set<string>; exchanges: Set<string> } = { queues: new Set(), exchanges: new Set() };

  constructor(readonly url = AMQP_URL) {}

  async channel(): Promise<Channel> {
    if (this.ch) return this.ch;
    const model = await amqplib.connect(this.url);
    const ch = await model.createChannel();
    const forget = () => {
      if (this.ch === ch) this.ch = undefined;
      if (this.model === model) this.model = undefined;
    };
    model.on('error', () => {});
    model.on('close', forget);
    ch.on('error', () => {});
    ch.on('close', () => {
      forget();
      model.close().catch(() => {});
    });
    this.model = model;
    this.ch = ch;
    return ch;
  }

  /** Binds a new queue to `exchange`; returns its name. */
  async bindQueue(exchange: string, options: BindOptions = {}): Promise<string> {
    const ch = await this.channel();
    if (options.declare) {
      await ch.assertExchange(exchange, options.declare.type, { durable: options.declare.durable, autoDelete: options.declare.autoDelete });
      if (!options.declare.autoDelete) this.owned.exchanges.add(exchange);
    }
    let queue: string;
    if (options.durable) {
      queue = uniqueName('q');
      await ch.assertQueue(queue, { durable: true, autoDelete: false });
      this.owned.queues.add(queue);
    } else {
      queue = (await ch.assertQueue('', { exclusive: true, durable: false })).queue;
    }
    await ch.bindQueue(queue, exchange, options.routingKey ?? '');
    return queue;
  }

  async messageCount(queue: string): Promise<number> {
    return (await (await this.channel()).checkQueue(queue)).messageCount;
  }

  /**
   * Reads (and acknowledges) messages from `queue`: at least `min` of them unless
   * `timeoutMs` passes first, then whatever else comes until the queue is quiet.
   */
  async drain(queue: string, options: DrainOptions = {}): Promise<ConsumeMessage[]> {
    const { min = 0, timeoutMs = 10_000, quietMs = 200 } = options;
    const ch = await this.channel();
    const got: ConsumeMessage[] = [];
    let last = Date.now();
    await ch.prefetch(1000);
    const { consumerTag } = await ch.consume(queue, (m) => {
      if (!m) return;
      got.push(m);
      last = Date.now();
      ch.ack(m);
    });
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        await new Promise((r) => setTimeout(r, 20));
        const now = Date.now();
        if (got.length >= min && now - last >= quietMs) break;
        if (got.length < min && now > deadline) break;
      }
    } finally {
      await ch.cancel(consumerTag).catch(() => {});
    }
    return got;
  }

  /** Deletes the durable queues and exchanges it declared, and disconnects. */
  async close(): Promise<void> {
    try {
      const ch = await this.channel();
      for (const q of this.owned.queues) await ch.deleteQueue(q).catch(() => {});
      for (const e of this.owned.exchanges) await ch.deleteExchange(e).catch(() => {});
    } catch {
      // the broker is gone: nothing to clean
    }
    await this.model?.close().catch(() => {});
    this.model = undefined;
    this.ch = undefined;
  }

  /** Remembers a (durable) exchange to delete on close. */
  own(exchange: string): void {
    this.owned.exchanges.add(exchange);
  }
}
