import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfirmChannel } from 'amqplib';
import { offlineConfirmChannel } from '../../../../test/support/amqplib-offline';
import { type RawChannel, rawChannelOf } from './raw-channel';

const raw = (channel: ConfirmChannel): RawChannel => {
  const r = rawChannelOf(channel);
  if (typeof r === 'string') assert.fail(`rawChannelOf refused amqplib's own channel: ${r}`);
  return r;
};

/** The broker's basic.ack / basic.nack for delivery tag `tag`, as amqplib's channel receives it. */
const ack = (channel: ConfirmChannel, deliveryTag: number, multiple = false) => channel.emit('ack', { deliveryTag, multiple });
const nack = (channel: ConfirmChannel, deliveryTag: number) => channel.emit('nack', { deliveryTag, multiple: false, requeue: false });

describe("raw channel (the sink's reach into amqplib's internals)", () => {
  it("finds amqplib's channel number, frameMax and write stream: frames come out of the channel's stream as written", () => {
    const { channel, take, connection } = offlineConfirmChannel(8192, 5);
    const r = raw(channel);
    assert.equal(r.number, 5);
    assert.equal(r.frameMax, 8192);
    connection.sentSinceLastCheck = false;
    assert.equal(r.write(Buffer.from('frames'), 0, () => {}), true);
    assert.equal(connection.sentSinceLastCheck, true, 'the heartbeat sees that something was sent');
    assert.equal(take().toString(), 'frames');
  });

  it("registers one confirm a message, in amqplib's order: the broker's delivery tags settle the right ones", () => {
    const { channel } = offlineConfirmChannel(4096);
    const r = raw(channel);
    const seen: string[] = [];
    const cb = (name: string) => (err: unknown) => seen.push(`${name}:${err ? 'nack' : 'ack'}`);
    // amqplib's own publish first (message 1), then 3 messages in one write (2-4), then amqplib's again (5)
    channel.publish('x', 'k', Buffer.from('1'), {}, cb('a'));
    r.write(Buffer.alloc(0), 3, cb('b'));
    channel.publish('x', 'k', Buffer.from('5'), {}, cb('c'));
    ack(channel, 3);
    nack(channel, 5);
    ack(channel, 2, true);
    ack(channel, 4);
    assert.deepStrictEqual(seen, ['b:ack', 'c:nack', 'a:ack', 'b:ack', 'b:ack']);
  });

  it("says the channel is not open once amqplib began closing it or closed it (amqplib's sends throw then)", () => {
    const closing = offlineConfirmChannel(4096);
    const r = raw(closing.channel);
    assert.equal(r.isOpen(), true);
    (closing.internals['closeBecause'] as (reason: string, code: number) => void).call(closing.channel, 'bye', 200);
    assert.equal(r.isOpen(), false);
    assert.throws(() => closing.channel.publish('x', 'k', Buffer.from('m')), /Channel closing/);

    const closed = offlineConfirmChannel(4096);
    const r2 = raw(closed.channel);
    (closed.internals['toClosed'] as (stack: string) => void).call(closed.channel, 'test');
    assert.equal(r2.isOpen(), false);
    assert.equal(typeof rawChannelOf(closed.channel), 'string', 'a closed channel is refused');
    assert.equal(rawChannelOf(closing.channel), 'the channel is not open');
  });

  it("refuses, saying why, a channel whose internals are not amqplib 2.3's", () => {
    const cases: [string, (c: ReturnType<typeof offlineConfirmChannel>) => void, RegExp][] = [
      ['no channel number', (c) => void (c.internals.ch = undefined as unknown as number), /no channel number/],
      ['no connection', (c) => void (c.internals.connection = undefined as never), /no connection/],
      ['no frameMax', (c) => void (c.connection.frameMax = undefined as unknown as number), /no frameMax/],
      ['a frameMax below the minimum', (c) => void (c.connection.frameMax = 100), /no frameMax/],
      ['no heartbeat flag', (c) => void (c.connection.sentSinceLastCheck = undefined as unknown as boolean), /sentSinceLastCheck/],
      ['no channel table', (c) => void (c.connection.channels = undefined as never), /channels do not hold/],
      ['another channel in its slot', (c) => void (c.connection.channels[1] = { channel: {}, buffer: c.connection.channels[1]!.buffer }), /channels do not hold/],
      ['no write stream', (c) => void (c.connection.channels[1] = { channel: c.channel, buffer: undefined as never }), /no write stream/],
      ['no confirm list', (c) => void (c.internals.unconfirmed = undefined as never), /confirm bookkeeping/],
      ['no pushConfirmCallback', (c) => void (c.internals['pushConfirmCallback'] = undefined), /confirm bookkeeping/],
    ];
    for (const [what, breakIt, why] of cases) {
      const c = offlineConfirmChannel(4096);
      breakIt(c);
      const r = rawChannelOf(c.channel);
      assert.equal(typeof r, 'string', what);
      assert.match(r as string, why, what);
    }
    assert.match(rawChannelOf({} as ConfirmChannel) as string, /no channel number/);
  });
});
