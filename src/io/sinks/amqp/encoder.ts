// Where the AMQP sink publishes each record: the exchange, with the routing key of its
// [amqp] table, which may be a template over the record's fields.
import type { OutboundMessage, RecordAddressing } from '../../../contracts/sink';
import type { Format } from '../../../records/formats';
import { addressTemplate } from '../address-template';
import type { SinkEncoder } from '../sink-module';

/** AMQP's routing key is a short string: at most 255 bytes. */
const MAX_ROUTING_KEY_BYTES = 255;

export interface AmqpEncoder extends SinkEncoder {
  /** The routing key a message is published with. */
  routingKey(message: OutboundMessage): string;
}

/** Throws when the routing key is not a template, or is a constant one longer than AMQP allows. */
export function amqpEncoder(options: { readonly format: Format; readonly routingKey: string }): AmqpEncoder {
  const template = addressTemplate('amqp.routingKey', options.routingKey, (key) =>
    Buffer.byteLength(key) > MAX_ROUTING_KEY_BYTES ? `a routing key of ${Buffer.byteLength(key)} bytes (AMQP allows ${MAX_ROUTING_KEY_BYTES})` : undefined);
  const fixed = template.constant;
  const routingKey = fixed === undefined ? (m: OutboundMessage) => m.destination ?? '' : () => fixed;
  const addressing: RecordAddressing | undefined = fixed === undefined
    ? { address: (message, record) => ({ ...message, destination: template.render(record) }) }
    : undefined;
  return {
    format: options.format,
    addressing,
    routingKey,
    where: (m) => ({ routingKey: routingKey(m) }),
  };
}
