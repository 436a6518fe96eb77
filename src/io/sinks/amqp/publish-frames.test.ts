import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { offlineConfirmChannel } from '../../../../test/support/amqplib-offline';
import { Confirms } from './confirms';
import { PublishFrames } from './publish-frames';

interface Case {
  readonly routingKey: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** A body of `length` bytes, not all alike (a frame boundary in the wrong place shows). */
const bodyOf = (length: number, seed: number): Buffer => {
  const body = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) body[i] = (i * 31 + seed) & 0xff;
  return body;
};

const noop = () => {};

/** What amqplib's ConfirmChannel#publish writes for the messages, as the sink's fallback calls it. */
function amqplibBytes(frameMax: number, channelNumber: number, exchange: string, messages: readonly Case[], ids: readonly string[]): Buffer {
  const { channel, take } = offlineConfirmChannel(frameMax, channelNumber);
  messages.forEach((m, i) =>
    channel.publish(exchange, m.routingKey, m.body, { persistent: true, mandatory: true, contentType: m.contentType, messageId: ids[i] }, noop));
  return take();
}

/** What PublishFrames writes for them into one buffer. */
function ownBytes(frames: PublishFrames, messages: readonly Case[], idPrefix: string, first: number): Buffer {
  const sizes = messages.map((m, i) => frames.size(m.routingKey, m, idPrefix, first + i));
  const out = Buffer.alloc(sizes.reduce((a, b) => a + b, 0));
  let offset = 0;
  messages.forEach((m, i) => {
    const next = frames.write(out, offset, m.routingKey, m, idPrefix, first + i);
    assert.equal(next - offset, sizes[i], 'write() fills exactly size() bytes');
    offset = next;
  });
  return out;
}

/** A short string of at most `bytes` UTF-8 bytes, any characters. */
const shortText = (bytes: number) => fc.string({ unit: 'binary', maxLength: Math.floor(bytes / 4) });

describe('publish frames', () => {
  it("are the bytes amqplib's publish writes (persistent, mandatory, content type, message id), many messages one buffer", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4096, max: 3 * 4096 }),
        fc.integer({ min: 1, max: 2 ** 16 - 1 }),
        shortText(255),
        fc.array(
          fc.record({
            routingKey: shortText(255),
            contentType: fc.oneof(fc.constantFrom('application/json', 'text/xml'), shortText(255)),
            length: fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 4 * 4096 })),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.integer({ min: 0, max: 200_000 }),
        (frameMax, channelNumber, exchange, specs, first) => {
          const messages = specs.map((s, i): Case => ({ routingKey: s.routingKey, contentType: s.contentType, body: bodyOf(s.length, i) }));
          // the message ids as the sink's Confirms names them, from the n-th message of a bundle on
          const confirms = new Confirms('t');
          const bundle = confirms.open(messages.map((m) => ({ key: '', ...m })), { complete: noop, error: noop });
          const ids = messages.map((_, i) => confirms.messageId(bundle, first + i));
          const frames = new PublishFrames(channelNumber, frameMax, exchange);
          assert.deepStrictEqual(ownBytes(frames, messages, bundle.id, first), amqplibBytes(frameMax, channelNumber, exchange, messages, ids));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a body longer than frameMax allows goes in several body frames, at most frameMax each', () => {
    const frames = new PublishFrames(1, 4096, 'x');
    const message = { routingKey: 'k', contentType: 'application/json', body: bodyOf(3 * 4088 + 1, 7) };
    const out = ownBytes(frames, [message], 'b-1', 0);
    assert.deepStrictEqual(out, amqplibBytes(4096, 1, 'x', [message], ['b-1.0']));
    const bodyFrames = [];
    for (let o = 0; o < out.length;) {
      const size = out.readUInt32BE(o + 3);
      if (out[o] === 3) bodyFrames.push(size);
      o += 8 + size;
    }
    assert.deepStrictEqual(bodyFrames, [4088, 4088, 4088, 1]);
  });

  it('a name, routing key, content type or message id longer than AMQP allows (255 bytes) throws before anything is written', () => {
    const long = 'é'.repeat(128);
    assert.throws(() => new PublishFrames(1, 4096, long), /AMQP exchange name of 256 bytes/);
    const frames = new PublishFrames(1, 4096, 'x');
    const body = Buffer.from('{}');
    assert.throws(() => frames.size(long, { contentType: 'a', body }, 'b', 0), RangeError);
    assert.throws(() => frames.size('k', { contentType: long, body }, 'b', 0), RangeError);
    assert.throws(() => frames.size('k', { contentType: 'a', body }, 'i'.repeat(250), 12345), /message id of 256 bytes/);
    assert.throws(() => new PublishFrames(1, 8, 'x'), /no room for a body frame/);
  });
});
