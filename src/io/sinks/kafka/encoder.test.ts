import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutboundMessage } from '../../../contracts/sink';
import { RecordError } from '../../../records/record-error';
import { Uint64 } from '../../../records/uint64';
import { graccRecord } from '../../../../test/support/gracc-records';
import { kafkaEncoder } from './encoder';

const message = (key: string): OutboundMessage => ({ key, body: Buffer.from('<r/>'), contentType: 'text/xml' });
const job = graccRecord({ RecordId: 'job-1', VOName: 'cms', ProbeName: 'condor:ce1' });
const storage = graccRecord({ type: 'StorageElementRecord', UniqueID: 'se-1', TotalSpace: Uint64.parse('18446744073709551615')! });

describe('kafka encoder', () => {
  it('the defaults (a topic name, no key template): no addressing; keyed by the record id, null without one', () => {
    const encoder = kafkaEncoder({ format: 'xml', topic: 'gracc' });
    assert.equal(encoder.addressing, undefined);
    assert.equal(encoder.topic, 'gracc');
    assert.deepEqual(encoder.message(message('job-1')), { key: 'job-1', value: Buffer.from('<r/>'), headers: { 'content-type': 'text/xml' } });
    assert.equal(encoder.message(message('')).key, null);
    assert.equal(encoder.bytes(message('job-1')), 4 + 5);
    assert.deepEqual(encoder.where(message('')), { topic: 'gracc', key: null });
    assert.equal(kafkaEncoder({ format: 'xml', topic: 'gracc', key: '' }).addressing, undefined);
  });

  it('a constant key: every record with it, still without addressing', () => {
    const encoder = kafkaEncoder({ format: 'xml', topic: 'gracc', key: 'all' });
    assert.equal(encoder.addressing, undefined);
    assert.equal(encoder.message(message('job-1')).key, 'all');
    assert.equal(encoder.bytes(message('job-1')), 4 + 3);
  });

  it('a templated topic: each record its own, keyed by its id', () => {
    const encoder = kafkaEncoder({ format: 'xml', topic: 'gracc-{type}', key: '' });
    assert.equal(encoder.topic, undefined);
    const m = encoder.addressing!.address(message('job-1'), job);
    assert.deepEqual([m.destination, m.key, encoder.topicOf(m)], ['gracc-JobUsageRecord', 'job-1', 'gracc-JobUsageRecord']);
    assert.equal(encoder.topicOf(encoder.addressing!.address(message('se-1'), storage)), 'gracc-StorageElementRecord');
  });

  it('a templated key: each record its own; an empty one is no key; the topic stays the sink\'s', () => {
    const encoder = kafkaEncoder({ format: 'xml', topic: 'gracc', key: '{VOName}/{TotalSpace}' });
    assert.equal(encoder.topic, 'gracc');
    assert.equal(encoder.message(encoder.addressing!.address(message('se-1'), storage)).key, '/18446744073709551615');
    const m = kafkaEncoder({ format: 'xml', topic: 'gracc', key: '{VOName}' }).addressing!.address(message('se-1'), storage);
    assert.deepEqual([m.key, m.destination], ['', undefined]);
    assert.equal(kafkaEncoder({ format: 'xml', topic: 'gracc', key: '{VOName}' }).message(m).key, null);
    assert.deepEqual(encoder.where(encoder.addressing!.address(message('job-1'), job)), { topic: 'gracc', key: 'cms/' });
  });

  it('a missing field gives the default; a topic that comes out illegal is a RecordError naming the record', () => {
    const encoder = kafkaEncoder({ format: 'xml', topic: 'gracc-{VOName:-unknown}' });
    assert.equal(encoder.addressing!.address(message('se-1'), storage).destination, 'gracc-unknown');
    const bare = kafkaEncoder({ format: 'xml', topic: '{VOName}' });
    assert.throws(() => bare.addressing!.address(message('se-1'), { ...storage, index: 6 }), (e: unknown) =>
      e instanceof RecordError && /^record 7 \(se-1\): kafka\.topic "\{VOName\}" gives "", not a Kafka topic name/.test(e.message));
    const slash = graccRecord({ RecordId: 'j', VOName: 'a/b' });
    assert.throws(() => encoder.addressing!.address(message('j'), slash), /gives "gracc-a\/b", not a Kafka topic name/);
  });

  it('a bad template, or a constant topic Kafka refuses, throws when the encoder is made', () => {
    assert.throws(() => kafkaEncoder({ format: 'xml', topic: 'bad topic' }), /^Error: kafka\.topic: "bad topic", not a Kafka topic name/);
    assert.throws(() => kafkaEncoder({ format: 'xml', topic: '..' }), /kafka\.topic: "\.\."/);
    assert.throws(() => kafkaEncoder({ format: 'xml', topic: 'gracc', key: '{RecordId' }), /unclosed/);
  });
});
