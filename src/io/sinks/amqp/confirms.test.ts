import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type OutboundMessage, SinkError } from '../../../contracts/sink';
import { Confirms } from './confirms';

const messages = (n: number): OutboundMessage[] =>
  Array.from({ length: n }, (_, i) => ({ key: `r${i}`, body: Buffer.from(`{"i":${i}}`), contentType: 'application/json' }));

/** What a bundle's subscriber was told. */
function outcome() {
  const told: (string | SinkError)[] = [];
  return { told, settled: { complete: () => void told.push('complete'), error: (e: SinkError) => void told.push(e) } };
}

describe('Confirms', () => {
  it('completes a bundle once every message is confirmed, not before', () => {
    const confirms = new Confirms('amqp');
    const { told, settled } = outcome();
    const bundle = confirms.open(messages(3), settled);
    bundle.onConfirm(null);
    bundle.onConfirm(undefined);
    assert.deepEqual(told, []);
    assert.equal(confirms.size, 1);
    bundle.onConfirm(null);
    assert.deepEqual(told, ['complete']);
    assert.equal(confirms.size, 0);
  });

  it('fails a bundle at its first nack, once; later confirms change nothing', () => {
    const confirms = new Confirms('amqp');
    const { told, settled } = outcome();
    const bundle = confirms.open(messages(3), settled);
    bundle.onConfirm(null);
    bundle.onConfirm(new Error('nacked'));
    bundle.onConfirm(new Error('nacked'));
    bundle.onConfirm(null);
    assert.equal(told.length, 1);
    const error = told[0] as SinkError;
    assert.ok(error instanceof SinkError);
    assert.equal(error.failure, 'nack');
    assert.equal(error.sink, 'amqp');
  });

  it('finds a returned message by its messageId, only while its bundle is unsettled', () => {
    const confirms = new Confirms('amqp');
    const { told, settled } = outcome();
    const a = confirms.open(messages(2), settled);
    const b = confirms.open(messages(5), outcome().settled);
    assert.notEqual(a.id, b.id);
    const found = confirms.returned(confirms.messageId(b, 4));
    assert.equal(found?.bundle, b);
    assert.equal(found?.index, 4);
    assert.equal(confirms.returned('no-such.0'), undefined);
    assert.equal(confirms.returned(undefined), undefined);
    confirms.settle(a, 'returned', 'record r1 returned');
    assert.equal(confirms.returned(confirms.messageId(a, 1)), undefined);
    assert.equal((told[0] as SinkError).message, 'amqp: record r1 returned');
  });

  it('fails every unsettled bundle at once, and ignores a forgotten one', () => {
    const confirms = new Confirms('amqp');
    const first = outcome();
    const second = outcome();
    const gone = outcome();
    confirms.open(messages(1), first.settled);
    confirms.open(messages(1), second.settled);
    const forgotten = confirms.open(messages(1), gone.settled);
    confirms.forget(forgotten);
    forgotten.onConfirm(null);
    assert.equal(confirms.failAll('down', 'lost the connection'), 2);
    assert.deepEqual([first.told.length, second.told.length, gone.told.length], [1, 1, 0]);
    assert.equal((first.told[0] as SinkError).failure, 'down');
    assert.equal(confirms.size, 0);
  });
});
