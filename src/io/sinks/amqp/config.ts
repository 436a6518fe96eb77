// The [amqp] table: RabbitMQ.
import { bool, type ConfigOf, duration, hostList, oneOf, port, recordFormat, string, template, tlsFileItems, verifyItem } from '../../../config';
import { checkTlsFiles } from '../../tls-files';

export const AMQP_SCHEMES = ['amqp', 'amqps'] as const;
export const EXCHANGE_TYPES = ['fanout', 'direct', 'topic', 'headers'] as const;

export const amqpConfig = {
  enable: bool(true, 'publish records to RabbitMQ'),
  // The earlier collector treated scheme = "" as "amqp".
  scheme: oneOf('amqp-scheme', AMQP_SCHEMES, 'amqp', 'amqp or amqps', { '': 'amqp' }),
  host: string('localhost', 'broker host'),
  port: port(5672, 'broker port'),
  hosts: hostList('"host:port" of each node, tried in turn (replaces host and port); [] = host and port'),
  vhost: string('', 'virtual host'),
  exchange: string('gracc', 'exchange to publish to'),
  exchangeType: oneOf('exchange-type', EXCHANGE_TYPES, 'fanout', 'fanout, direct, topic or headers'),
  durable: bool(true, 'declare the exchange durable (its queues\' bindings then outlive a broker restart)'),
  autoDelete: bool(true, 'declare the exchange auto-delete'),
  internal: bool(false, 'declare the exchange internal'),
  routingKey: template('', 'routing key of published records: text, or a template over each record\'s fields ({type}.{VOName:-unknown})'),
  user: string('guest', 'user name'),
  password: string('guest', 'password', { sensitive: true }),
  ...tlsFileItems('amqps: PEM file of the CAs to verify the broker with; "" = Node\'s built-in CAs', 'amqps: PEM file of a client certificate to show the broker; "" = none'),
  verify: verifyItem(),
  format: recordFormat(),
  retry: duration('1s', 'first reconnect delay', true),
  maxRetry: duration('1h', 'longest reconnect delay', true),
};

/** Durations in ms. */
export type AmqpConfig = ConfigOf<typeof amqpConfig>;

const DEFAULT_HOST = amqpConfig.host.default;
const DEFAULT_PORT = amqpConfig.port.default;

/**
 * The configuration's check of the [amqp] table (start-up, reload and `validate`): across its
 * keys, and, for an enabled amqps sink, its TLS files (readable, usable), each naming the key.
 */
export function checkAmqpConfig(config: AmqpConfig, raw: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  if (config.maxRetry < config.retry) {
    problems.push(`amqp.maxRetry: must not be shorter than amqp.retry (${String(raw['retry'])}), got ${JSON.stringify(raw['maxRetry'])}`);
  }
  // Which would win is not obvious to a reader of the file: refuse rather than pick.
  if (config.hosts.length > 0 && (config.host !== DEFAULT_HOST || config.port !== DEFAULT_PORT)) {
    problems.push('amqp.hosts: give the nodes either in hosts or in host and port, not both (hosts is set, and so is host or port)');
  }
  const files = config.enable && config.scheme === 'amqps' ? checkTlsFiles('amqp', config) : undefined;
  if (files !== undefined) problems.push(files);
  return problems;
}

/** "host:port" of each node, in the order to try them: `hosts`, or else `host` and `port`. */
export function amqpNodes(config: Pick<AmqpConfig, 'hosts' | 'host' | 'port'>): { host: string; port: number }[] {
  if (config.hosts.length === 0) return [{ host: config.host, port: config.port }];
  return config.hosts.map((hostPort) => {
    const colon = hostPort.lastIndexOf(':');
    return { host: hostPort.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(hostPort.slice(colon + 1)) };
  });
}
