// `validate --connect` for [amqp]: one connection, the exchange declared as the sink declares
// it (the broker refuses one that exists with other settings), then closed.
import amqplib from 'amqplib';
import { withTimeout } from '../../deadline';
import type { SinkContext } from '../sink-module';
import type { AmqpConfig } from './config';
import { amqpConnectOptions, amqpDisplayUrl, amqpUrl } from './options';

export async function checkAmqpConnection(config: AmqpConfig, { timeoutMs }: SinkContext): Promise<string> {
  const display = amqpDisplayUrl(config);
  const { exchange, exchangeType, durable, autoDelete, internal } = config;
  const attempt = (async () => {
    const conn = await amqplib.connect(amqpUrl(config), { ...amqpConnectOptions({ ...config, connectTimeoutMs: timeoutMs }), clientProperties: { connection_name: 'gracc-collector validate' } });
    try {
      // A channel error (PRECONDITION_FAILED) closes the channel, and is also emitted on it.
      const channel = await conn.createChannel();
      channel.on('error', () => {});
      await channel.assertExchange(exchange, exchangeType, { durable, autoDelete, internal });
      await channel.close();
    } finally {
      await conn.close().catch(() => {});
    }
  })();
  try {
    await withTimeout(attempt, timeoutMs, `no answer within ${timeoutMs} ms`);
  } catch (e) {
    throw new Error(`${display}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return `${display}: connected, exchange ${JSON.stringify(exchange)} (${exchangeType}${durable ? ', durable' : ''}) declared`;
}
