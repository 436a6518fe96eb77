// A ConfirmChannel's own write path for frames the sink encodes itself (publish-frames.ts).
//
// This reaches into amqplib's internals (2.3, pinned by package-lock.json): a Channel holds
// its number (`ch`) and its Connection; the Connection holds `channels[ch].buffer`, the
// channel's write stream, which its multiplexer moves to the socket in order with the
// channel's other frames; `frameMax` as negotiated; `sentSinceLastCheck`, which the
// heartbeat reads. ConfirmChannel#publish writes there and then pushes the message's confirm
// callback with `pushConfirmCallback` onto `unconfirmed`, whose n-th entry the broker's
// n-th ack or nack settles (delivery tags count the channel's messages from 1). When the
// channel closes or starts closing, amqplib puts throwing functions in `sendMessage` & co.
// on the instance, and ends the write stream.
// rawChannelOf checks all of that and, when anything is not as expected, says why: the sink
// then publishes through amqplib's API.
import type { ConfirmChannel } from 'amqplib';

/** The channel's write stream as amqplib's Connection keeps it. */
interface FrameStream {
  write(chunk: Buffer): boolean;
}

interface ConnectionInternals {
  channels?: unknown;
  frameMax?: unknown;
  sentSinceLastCheck?: unknown;
}

interface ChannelInternals {
  ch?: unknown;
  connection?: ConnectionInternals;
  unconfirmed?: unknown;
  pushConfirmCallback?: unknown;
  sendMessage?: unknown;
}

/** The smallest frameMax AMQP allows. */
const FRAME_MIN_SIZE = 4096;

/** Writes frames a ConfirmChannel is to send, and keeps its confirm bookkeeping. */
export interface RawChannel {
  /** The channel's number in its connection's frames. */
  readonly number: number;
  /** The largest frame the connection takes (header and end octet included). */
  readonly frameMax: number;
  /** False once amqplib closed the channel or began closing it: nothing may be written then. */
  isOpen(): boolean;
  /**
   * Queues `frames` (holding `messages` whole publish messages) for the socket, behind the
   * channel's earlier frames, and registers `onConfirm` for each of them, in order.
   * Returns false when the channel's buffer is full: wait for the channel's 'drain'.
   */
  write(frames: Buffer, messages: number, onConfirm: (err: unknown) => void): boolean;
}

/** The channel's raw write path, or why amqplib's internals are not as this module expects. */
export function rawChannelOf(channel: ConfirmChannel): RawChannel | string {
  const ch = channel as unknown as ChannelInternals;
  const conn = ch.connection;
  if (typeof ch.ch !== 'number' || !Number.isInteger(ch.ch) || ch.ch < 1) return 'the channel has no channel number';
  if (typeof conn !== 'object' || conn === null) return 'the channel has no connection';
  const { frameMax } = conn;
  if (typeof frameMax !== 'number' || !Number.isInteger(frameMax) || frameMax < FRAME_MIN_SIZE) return 'the connection has no frameMax';
  if (typeof conn.sentSinceLastCheck !== 'boolean') return 'the connection has no sentSinceLastCheck flag';
  const entry = Array.isArray(conn.channels) ? (conn.channels[ch.ch] as { channel?: unknown; buffer?: unknown } | null | undefined) : undefined;
  if (entry?.channel !== channel) return "the connection's channels do not hold this channel";
  const stream = entry.buffer as Partial<FrameStream> | undefined;
  if (typeof stream?.write !== 'function') return 'the channel has no write stream';
  if (!Array.isArray(ch.unconfirmed) || typeof ch.pushConfirmCallback !== 'function') return 'the channel has no confirm bookkeeping';
  if (typeof ch.sendMessage !== 'function' || Object.hasOwn(ch, 'sendMessage')) return 'the channel is not open';

  const push = ch.pushConfirmCallback as (cb: (err: unknown) => void) => void;
  const frames = stream as FrameStream;
  return {
    number: ch.ch,
    frameMax,
    isOpen: () => !Object.hasOwn(ch, 'sendMessage'),
    write(chunk, messages, onConfirm) {
      const room = frames.write(chunk);
      conn.sentSinceLastCheck = true;
      for (let i = 0; i < messages; i++) push.call(ch, onConfirm);
      return room;
    },
  };
}
