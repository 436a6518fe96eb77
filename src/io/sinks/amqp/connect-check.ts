// `validate --connect` for [amqp]: one connection (to the first of the nodes that answers, in
// the sink's order, with its TLS settings), the exchange declared as the sink declares it (the
// broker refuses one that exists with other settings), then closed.
import amqplib from 'amqplib';
import { withTimeout } from '../../deadline';
import type { SinkContext } from '../sink-module';
import type { AmqpConfig } from './config';
import { type AmqpNode, amqpConnectOptions, amqpNodeUrls } from './options';

export async function checkAmqpConnection(config: AmqpConfig, { timeoutMs }: SinkContext): Promise<string> {
  const { exchange, exchangeType, durable, autoDelete, internal } = config;
  const options = { ...amqpConnectOptions({ ...config, connectTimeoutMs: timeoutMs }), clientProperties: { connection_name: 'gracc-collector validate' } };
  const declare = async (node: AmqpNode): Promise<void> => {
    const conn = await amqplib.connect(node.url, options);
    try {
      // A channel error (PRECONDITION_FAILED) closes the channel, and is also emitted on it.
      const channel = await conn.createChannel();
      channel.on('error', () => {});
      await channel.assertExchange(exchange, exchangeType, { durable, autoDelete, internal });
      await channel.close();
    } finally {
      await conn.close().catch(() => {});
    }
  };
  const failures: string[] = [];
  // Each node within timeoutMs, as the sink tries them in turn.
  for (const node of amqpNodeUrls(config)) {
    try {
      await withTimeout(declare(node), timeoutMs, `no answer within ${timeoutMs} ms`);
      return `${node.display}: connected, exchange ${JSON.stringify(exchange)} (${exchangeType}${durable ? ', durable' : ''}) declared`;
    } catch (e) {
      failures.push(`${node.display}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new Error(failures.join('; '));
}
