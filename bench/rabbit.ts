// A fresh exchange with one bound queue on the local RabbitMQ, declared exactly as the
// collector declares its exchange (so its own declaration agrees), to count what arrives.
import { randomUUID } from 'node:crypto';
import amqplib, { type Channel, type ChannelModel } from 'amqplib';

export const AMQP_URL = process.env['GRACC_BENCH_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The collector's defaults: fanout, not durable, auto-delete, not internal. */
export const EXCHANGE_OPTIONS = { durable: false, autoDelete: true, internal: false } as const;

export class CountingQueue {
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

  async count(): Promise<number> {
    return (await this.channel.checkQueue(this.queue)).messageCount;
  }

  /** Waits until the queue holds `expected` messages (confirmed ones may take a moment to show). */
  async waitFor(expected: number, timeoutMs = 15_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let n = await this.count();
    while (n < expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      n = await this.count();
    }
    return n;
  }

  async purge(): Promise<void> {
    await this.channel.purgeQueue(this.queue);
  }

  /** Deletes the queue (and with it, auto-delete, the exchange) and disconnects. */
  async delete(): Promise<void> {
    await this.channel.deleteQueue(this.queue).catch(() => undefined);
    await this.channel.deleteExchange(this.exchange).catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}
