import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, PartitionMetadata, RecordMetadata } from 'kafkajs';
import { DeliveryCheck } from './delivery-check';

const partitions = (n: number, leaderless: number[] = []): PartitionMetadata[] =>
  Array.from({ length: n }, (_, partitionId) => ({
    partitionErrorCode: 0, partitionId, leader: leaderless.includes(partitionId) ? -1 : 1, replicas: [1], isr: [1],
  }));
const answer = (topic: string, ...ps: number[]): RecordMetadata[] => ps.map((partition) => ({ topicName: topic, partition, errorCode: 0 }));

/** Partitions `messages` as kafkajs does for one attempt of a send, with the check's partitioner; the partition of each. */
function place(check: DeliveryCheck, topic: string, messages: Message[], metadata = partitions(4)): number[] {
  const choose = check.createPartitioner();
  return messages.map((message) => choose({ topic, partitionMetadata: metadata, message }));
}

describe('DeliveryCheck', () => {
  const keyed = (n: number): Message[] => Array.from({ length: n }, (_, i) => ({ key: `id-${i}`, value: 'x' }));

  it('passes a send whose answer names every partition its records went to', () => {
    const check = new DeliveryCheck();
    const messages = keyed(20);
    const used = [...new Set(place(check, 't', messages))];
    assert.ok(used.length > 1, 'the keys spread over several partitions');
    assert.equal(check.unconfirmed(messages, answer('t', ...used)), undefined);
  });

  it('fails a send whose answer omits a partition (kafkajs #1303: resolved without writing it), naming it and its records', () => {
    const check = new DeliveryCheck();
    const messages = keyed(20);
    const where = place(check, 't', messages);
    const used = [...new Set(where)].sort();
    const lost = used[0]!;
    const problem = check.unconfirmed(messages, answer('t', ...used.slice(1)));
    const n = where.filter((p) => p === lost).length;
    assert.equal(problem, `the brokers' answer does not confirm partition t:${lost} (${n} records): not all records are known to be written`);
  });

  it('fails a partition answered with an error, one of another topic, and a record never given a partition', () => {
    const check = new DeliveryCheck();
    const [a, b] = keyed(2) as [Message, Message];
    const [pa] = place(check, 't', [a]);
    assert.match(check.unconfirmed([a], [{ topicName: 't', partition: pa!, errorCode: 6 }]) ?? '', /does not confirm partition t:/);
    assert.match(check.unconfirmed([a], answer('other', pa!)) ?? '', /does not confirm partition t:/);
    assert.match(check.unconfirmed([a, b], answer('t', pa!)) ?? '', /1 records were never given a partition/);
  });

  it('fails a send in which a retry put a record without a key in another partition', () => {
    const check = new DeliveryCheck();
    const message: Message = { key: null, value: 'x' };
    const [first] = place(check, 't', [message], partitions(2));
    // the next attempt: that partition has no leader, so the default partitioner picks another
    const [second] = place(check, 't', [message], partitions(2, [first!]));
    assert.notEqual(first, second);
    assert.match(check.unconfirmed([message], answer('t', 0, 1)) ?? '', /1 records were put in another partition on a retry/);
  });
});
