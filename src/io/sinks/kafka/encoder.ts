import type { Message } from 'kafkajs';
import type { OutboundMessage } from '../../../contracts/sink';

/** A record as the Kafka message it is sent as; a record without an id gets a null key, so that kafkajs spreads those over partitions. */
export function kafkaMessage(m: OutboundMessage): Message {
  return { key: m.key === '' ? null : m.key, value: m.body, headers: { 'content-type': m.contentType } };
}

/** The bytes a message counts against maxSendBytes: its key and body. */
export function messageBytes(m: OutboundMessage): number {
  return m.body.length + Buffer.byteLength(m.key);
}
