import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutboundMessage } from '../../../contracts/sink';
import { RecordError } from '../../../records/record-error';
import { graccRecord } from '../../../../test/support/gracc-records';
import { amqpEncoder } from './encoder';

const shared: OutboundMessage = { key: 'r1', body: Buffer.from('{}'), contentType: 'application/json' };
const cms = graccRecord({ RecordId: 'r1', VOName: 'cms' });
const noVo = graccRecord({ RecordId: 'r2' }, { index: 4 });

describe('amqp encoder', () => {
  it('a constant routing key: no addressing, every message published with it ({{ }} undone)', () => {
    const encoder = amqpEncoder({ format: 'json', routingKey: 'gracc.{{osg}}' });
    assert.equal(encoder.addressing, undefined);
    assert.equal(encoder.routingKey(shared), 'gracc.{osg}');
    assert.deepEqual(encoder.where(shared), { routingKey: 'gracc.{osg}' });
    assert.equal(amqpEncoder({ format: 'json', routingKey: '' }).routingKey(shared), '');
  });

  it('a templated routing key: each record its own, the rest of the message shared', () => {
    const encoder = amqpEncoder({ format: 'json', routingKey: '{type}.{VOName:-unknown}' });
    const message = encoder.addressing!.address(shared, cms);
    assert.deepEqual({ ...message }, { ...shared, destination: 'JobUsageRecord.cms' });
    assert.equal(message.body, shared.body);
    assert.equal(encoder.routingKey(message), 'JobUsageRecord.cms');
    assert.deepEqual(encoder.where(message), { routingKey: 'JobUsageRecord.cms' });
  });

  it('a missing field gives the default, or "" without one', () => {
    assert.equal(amqpEncoder({ format: 'json', routingKey: '{type}.{VOName:-unknown}' }).addressing!.address(shared, noVo).destination, 'JobUsageRecord.unknown');
    assert.equal(amqpEncoder({ format: 'json', routingKey: '{type}.{VOName}' }).addressing!.address(shared, noVo).destination, 'JobUsageRecord.');
  });

  it('a record whose routing key comes out longer than AMQP allows is a RecordError naming it', () => {
    const encoder = amqpEncoder({ format: 'json', routingKey: 'x.{Long}' });
    const long = graccRecord({ RecordId: 'r9', Long: 'é'.repeat(127) }, { index: 2 });
    assert.throws(() => encoder.addressing!.address(shared, long), (e: unknown) =>
      e instanceof RecordError && e.message === 'record 3 (r9): amqp.routingKey "x.{Long}" gives a routing key of 256 bytes (AMQP allows 255)');
  });

  it('a bad template or a constant key too long throws when the encoder is made', () => {
    assert.throws(() => amqpEncoder({ format: 'json', routingKey: '{type' }), /unclosed "\{" at position 0/);
    assert.throws(() => amqpEncoder({ format: 'json', routingKey: 'k'.repeat(256) }), /^Error: amqp\.routingKey: a routing key of 256 bytes/);
  });
});
