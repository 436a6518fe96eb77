// The AMQP 0-9-1 frames of basic.publish messages, written many messages into one buffer:
// per message a method frame (basic.publish), a content header frame and body frames split
// at the connection's frameMax. The bytes are those amqplib writes for
// `publish(exchange, routingKey, body, { persistent, mandatory, contentType, messageId })`
// (an empty headers table included), without its per-message option objects, its three
// allocations (one zero-filled) and its copies, and with the property block that only the
// content type changes encoded once.

const FRAME_METHOD = 1;
const FRAME_HEADER = 2;
const FRAME_BODY = 3;
const FRAME_END = 0xce;
/** Type, channel, payload size; then the frame-end octet. */
const FRAME_OVERHEAD = 7 + 1;
/** Class 60 (basic), method 40 (publish). */
const BASIC_PUBLISH = 0x003c0028;
const BASIC_CLASS = 60;
/** Property flags: content-type, headers, delivery-mode, message-id. */
const PROPERTY_FLAGS = 0x8000 | 0x2000 | 0x1000 | 0x0080;
const PERSISTENT = 2;
/** basic.publish's bits: mandatory (immediate unset, RabbitMQ refuses it). */
const MANDATORY = 1;
const MAX_SHORTSTR = 255;

/** What a message carries besides its routing key and id (an OutboundMessage is one). */
export interface PublishMessage {
  readonly contentType: string;
  readonly body: Buffer;
}

function shortstr(what: string, text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_SHORTSTR) throw new RangeError(`AMQP ${what} of ${bytes.length} bytes (at most ${MAX_SHORTSTR})`);
  return bytes;
}

/** A text's bytes, remembered for the next call with the same text (a sink's routing key, content type, bundle id). */
class LastBytes {
  private text: string | undefined;
  private bytes: Buffer = Buffer.alloc(0);
  constructor(private readonly what: string) {}
  of(text: string): Buffer {
    if (text !== this.text) {
      this.bytes = shortstr(this.what, text);
      this.text = text;
    }
    return this.bytes;
  }
}

const digits = (n: number): number => (n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : String(n).length);

/** Encodes the publish frames of one channel of a connection. */
export class PublishFrames {
  private readonly exchange: Buffer;
  private readonly maxBody: number;
  private readonly routingKeys = new LastBytes('routing key');
  private readonly contentTypes = new LastBytes('content type');
  private readonly idPrefixes = new LastBytes('message id');

  constructor(
    private readonly channel: number,
    frameMax: number,
    exchange: string,
  ) {
    this.exchange = shortstr('exchange name', exchange);
    this.maxBody = frameMax - FRAME_OVERHEAD;
    if (!(this.maxBody > 0)) throw new RangeError(`frameMax ${frameMax} leaves no room for a body frame`);
  }

  /** The bytes of the frames of message `index` of a bundle (id `${idPrefix}.${index}`). */
  size(routingKey: string, message: PublishMessage, idPrefix: string, index: number): number {
    const bodyFrames = Math.ceil(message.body.length / this.maxBody);
    return FRAME_OVERHEAD + this.methodSize(this.routingKeys.of(routingKey))
      + FRAME_OVERHEAD + headerSize(this.contentTypes.of(message.contentType), this.messageIdLength(idPrefix, index))
      + bodyFrames * FRAME_OVERHEAD + message.body.length;
  }

  /** Writes the frames of message `index` at `offset` of `out` (which has `size` bytes there); returns the offset after them. */
  write(out: Buffer, offset: number, routingKeyText: string, message: PublishMessage, idPrefix: string, index: number): number {
    const { channel } = this;
    const routingKey = this.routingKeys.of(routingKeyText);
    const contentType = this.contentTypes.of(message.contentType);
    const idPrefixBytes = this.idPrefixes.of(idPrefix);
    const idLength = this.messageIdLength(idPrefix, index);
    const bodyLength = message.body.length;
    let o = offset;

    // method frame: basic.publish, ticket 0, exchange, routing key, bits
    o = frameStart(out, o, FRAME_METHOD, channel, this.methodSize(routingKey));
    o = out.writeUInt32BE(BASIC_PUBLISH, o);
    o = out.writeUInt16BE(0, o);
    o = putShortstr(out, o, this.exchange);
    o = putShortstr(out, o, routingKey);
    out[o++] = MANDATORY;
    out[o++] = FRAME_END;

    // content header frame: class, weight 0, body size (64 bits), flags, properties in flag order
    o = frameStart(out, o, FRAME_HEADER, channel, headerSize(contentType, idLength));
    o = out.writeUInt16BE(BASIC_CLASS, o);
    o = out.writeUInt16BE(0, o);
    o = out.writeUInt32BE(Math.floor(bodyLength / 2 ** 32), o);
    o = out.writeUInt32BE(bodyLength >>> 0, o);
    o = out.writeUInt16BE(PROPERTY_FLAGS, o);
    o = putShortstr(out, o, contentType);
    o = out.writeUInt32BE(0, o); // headers: an empty table
    out[o++] = PERSISTENT;
    out[o++] = idLength;
    o += idPrefixBytes.copy(out, o);
    out[o++] = 0x2e; // '.'
    o += out.write(String(index), o, 'latin1');
    out[o++] = FRAME_END;

    // body frames, each at most frameMax
    for (let start = 0; start < bodyLength; start += this.maxBody) {
      const end = Math.min(start + this.maxBody, bodyLength);
      o = frameStart(out, o, FRAME_BODY, channel, end - start);
      o += message.body.copy(out, o, start, end);
      out[o++] = FRAME_END;
    }
    return o;
  }

  /** The payload size of a method frame: method id, ticket, exchange, routing key, bits. */
  private methodSize(routingKey: Buffer): number {
    return 4 + 2 + 1 + this.exchange.length + 1 + routingKey.length + 1;
  }

  private messageIdLength(idPrefix: string, index: number): number {
    const length = this.idPrefixes.of(idPrefix).length + 1 + digits(index);
    if (length > MAX_SHORTSTR) throw new RangeError(`AMQP message id of ${length} bytes (at most ${MAX_SHORTSTR})`);
    return length;
  }
}

/** The payload size of a content header frame: class, weight, body size, flags, content type, empty headers, delivery mode, message id. */
function headerSize(contentType: Buffer, idLength: number): number {
  return 2 + 2 + 8 + 2 + 1 + contentType.length + 4 + 1 + 1 + idLength;
}

function frameStart(out: Buffer, offset: number, type: number, channel: number, size: number): number {
  out[offset] = type;
  out.writeUInt16BE(channel, offset + 1);
  return out.writeUInt32BE(size, offset + 3);
}

function putShortstr(out: Buffer, offset: number, bytes: Buffer): number {
  out[offset] = bytes.length;
  return offset + 1 + bytes.copy(out, offset + 1);
}
