// Where the Kafka sink sends each record and with what key: the topic and key of its [kafka]
// table, each of which may be a template over the record's fields.
import type { Message } from 'kafkajs';
import type { OutboundMessage, RecordAddressing } from '../../../contracts/sink';
import type { Format } from '../../../records/formats';
import type { GraccRecord } from '../../../records/gracc-record';
import { addressTemplate } from '../address-template';
import type { SinkEncoder } from '../sink-module';

export interface KafkaEncoder extends SinkEncoder {
  /** The topic of every record, or undefined when the topic is a template (each message then names its own). */
  readonly topic: string | undefined;
  /** The topic a message goes to. */
  topicOf(message: OutboundMessage): string;
  /** The message as kafkajs sends it; a record without a key gets a null key, so that kafkajs spreads those over partitions. */
  message(message: OutboundMessage): Message;
  /** The bytes a message counts against maxSendBytes: its key and body. */
  bytes(message: OutboundMessage): number;
}

export interface KafkaAddress {
  readonly format: Format;
  /** A topic name, or a template giving one for each record. */
  readonly topic: string;
  /** '' (the default): the record's id; otherwise a key, or a template giving one for each record. */
  readonly key?: string;
}

/** Throws when the topic or key is not a template, or the topic is a constant name Kafka does not allow. */
export function kafkaEncoder(options: KafkaAddress): KafkaEncoder {
  const topic = addressTemplate('kafka.topic', options.topic, topicProblem);
  const key = options.key ? addressTemplate('kafka.key', options.key, () => undefined) : undefined;
  const fixedTopic = topic.constant;
  const fixedKey = key?.constant;
  const topicOf = fixedTopic === undefined ? (m: OutboundMessage) => m.destination ?? '' : () => fixedTopic;
  const keyOf = fixedKey === undefined ? (m: OutboundMessage) => m.key : () => fixedKey;
  const routesTopic = fixedTopic === undefined;
  const routesKey = key !== undefined && fixedKey === undefined;
  const addressing: RecordAddressing | undefined = routesTopic || routesKey
    ? {
        address: (message: OutboundMessage, record: GraccRecord) => ({
          ...message,
          ...(routesTopic ? { destination: topic.render(record) } : {}),
          ...(routesKey ? { key: key.render(record) } : {}),
        }),
      }
    : undefined;
  const nullIfEmpty = (k: string): string | null => (k === '' ? null : k);
  return {
    format: options.format,
    addressing,
    topic: fixedTopic,
    topicOf,
    message: (m) => ({ key: nullIfEmpty(keyOf(m)), value: m.body, headers: { 'content-type': m.contentType } }),
    bytes: (m) => m.body.length + Buffer.byteLength(keyOf(m)),
    where: (m) => ({ topic: topicOf(m), key: nullIfEmpty(keyOf(m)) }),
  };
}

/** What Kafka refuses in a topic name (its own rule), or undefined for a legal one. */
function topicProblem(name: string): string | undefined {
  if (/^[a-zA-Z0-9._-]{1,249}$/.test(name) && name !== '.' && name !== '..') return undefined;
  return `${JSON.stringify(name)}, not a Kafka topic name (1 to 249 letters, digits, ".", "_" or "-"; not "." or "..")`;
}
