// The [amqp] table: RabbitMQ.
import { bool, type ConfigOf, duration, oneOf, port, recordFormat, string, template } from '../../../config';

export const AMQP_SCHEMES = ['amqp', 'amqps'] as const;
export const EXCHANGE_TYPES = ['fanout', 'direct', 'topic', 'headers'] as const;

export const amqpConfig = {
  enable: bool(true, 'publish records to RabbitMQ'),
  // The earlier collector treated scheme = "" as "amqp".
  scheme: oneOf('amqp-scheme', AMQP_SCHEMES, 'amqp', 'amqp or amqps', { '': 'amqp' }),
  host: string('localhost', 'broker host'),
  port: port(5672, 'broker port'),
  vhost: string('', 'virtual host'),
  exchange: string('gracc', 'exchange to publish to'),
  exchangeType: oneOf('exchange-type', EXCHANGE_TYPES, 'fanout', 'fanout, direct, topic or headers'),
  durable: bool(true, 'declare the exchange durable (its queues\' bindings then outlive a broker restart)'),
  autoDelete: bool(true, 'declare the exchange auto-delete'),
  internal: bool(false, 'declare the exchange internal'),
  routingKey: template('', 'routing key of published records: text, or a template over each record\'s fields ({type}.{VOName:-unknown})'),
  user: string('guest', 'user name'),
  password: string('guest', 'password', { sensitive: true }),
  format: recordFormat(),
  retry: duration('1s', 'first reconnect delay', true),
  maxRetry: duration('1h', 'longest reconnect delay', true),
};

/** Durations in ms. */
export type AmqpConfig = ConfigOf<typeof amqpConfig>;

export function checkAmqpConfig(config: AmqpConfig, raw: Readonly<Record<string, unknown>>): string[] {
  if (config.maxRetry >= config.retry) return [];
  return [`amqp.maxRetry: must not be shorter than amqp.retry (${String(raw['retry'])}), got ${JSON.stringify(raw['maxRetry'])}`];
}
