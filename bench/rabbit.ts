// A fresh exchange with one bound queue on the local RabbitMQ, declared exactly as the
// collector declares its exchange (so its own declaration agrees), to count what arrives.
import { randomUUID } from 'node:crypto';
import amqplib, { type Channel, type ChannelModel } from 'amqplib';

export const AMQP_URL = process.env['GRACC_BENCH_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The collector's defaults (src/io/sinks/amqp/config.ts): fanout, durable, auto-delete, not internal. */
export const EXCHANGE_OPTIONS = { durable: true, autoDelete: true, internal: false } as const;

export class CountingQueue {
  /** Messages purged while draining since the last purge(). */
  private drained = 0;
  private drainTimer: NodeJS.Timeout | undefined;
  /** The drain purge under way, if any. */
  private drainPurge: Promise<void> = Promise.resolve();

  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: Channel,
    readonly exchange: string,
    readonly queue: string,
  ) {}

  /**
   * `durableQueue`: persistent messages to a durable queue go to the broker's disk before
   * they are confirmed, as in production; a transient queue keeps them in memory.
   */
  static async create(prefix = 'gracc-bench', durableQueue = false): Promise<CountingQueue> {
    const connection = await amqplib.connect(AMQP_URL);
    const channel = await connection.createChannel();
    const name = `${prefix}-${randomUUID()}`;
    await channel.assertExchange(name, 'fanout', EXCHANGE_OPTIONS);
    await channel.assertQueue(name, { durable: durableQueue, autoDelete: false, exclusive: false });
    await channel.bindQueue(name, name, '');
    return new CountingQueue(connection, channel, name, name);
  }

  /**
   * Purges the queue every `everyMs` until waitFor() or purge(), counting what it purges:
   * the broker then holds a few thousand messages rather than a whole phase's 100,000,
   * whose backlog slows it and stretches its latency tail.
   */
  startDraining(everyMs = 200): void {
    clearInterval(this.drainTimer);
    this.drainTimer = setInterval(() => {
      this.drainPurge = this.drainPurge
        .then(() => this.channel.purgeQueue(this.queue))
        .then(({ messageCount }) => void (this.drained += messageCount));
    }, everyMs);
  }

  private async stopDraining(): Promise<void> {
    clearInterval(this.drainTimer);
    this.drainTimer = undefined;
    await this.drainPurge;
  }

  /** Messages that arrived since the last purge(): the drained ones and those in the queue. */
  async count(): Promise<number> {
    return this.drained + (await this.channel.checkQueue(this.queue)).messageCount;
  }

  /** Stops draining, and waits until `expected` messages arrived (confirmed ones may take a moment to show). */
  async waitFor(expected: number, timeoutMs = 15_000): Promise<number> {
    await this.stopDraining();
    const deadline = Date.now() + timeoutMs;
    let n = await this.count();
    while (n < expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      n = await this.count();
    }
    return n;
  }

  async purge(): Promise<void> {
    await this.stopDraining();
    await this.channel.purgeQueue(this.queue);
    this.drained = 0;
  }

  /** Deletes the queue (and with it, auto-delete, the exchange) and disconnects. */
  async delete(): Promise<void> {
    await this.stopDraining();
    await this.channel.deleteQueue(this.queue).catch(() => undefined);
    await this.channel.deleteExchange(this.exchange).catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}
