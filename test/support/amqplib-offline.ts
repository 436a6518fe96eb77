// amqplib's own Connection and ConfirmChannel on a stream that goes nowhere (no broker, no
// handshake): for unit tests of what the AMQP sink writes on a channel and of its reach into
// amqplib's internals, against what amqplib itself does. amqplib's package exports only its
// API, so its modules are loaded by path.
import path from 'node:path';
import { Duplex } from 'node:stream';
import type { ConfirmChannel } from 'amqplib';

const LIB = path.join(path.dirname(require.resolve('amqplib')), 'lib');

interface ConnectionInternals {
  channelMax: number;
  frameMax: number;
  channels: ({ channel: unknown; buffer: Duplex } | null)[];
  sentSinceLastCheck: boolean;
}

export interface OfflineChannel {
  readonly channel: ConfirmChannel;
  /** The channel as amqplib's internals see it. */
  readonly internals: { ch: number; unconfirmed: unknown[]; connection: ConnectionInternals } & Record<string, unknown>;
  readonly connection: ConnectionInternals;
  /** The frames written on the channel since the last take, from its write stream (before the multiplexer moves them). */
  take(): Buffer;
}

/** A fresh ConfirmChannel numbered `number` (1 by default) of a connection with this frameMax. */
export function offlineConfirmChannel(frameMax: number, number = 1): OfflineChannel {
  const { Connection } = require(path.join(LIB, 'connection.js')) as { Connection: new (stream: Duplex) => ConnectionInternals };
  const { ConfirmChannel } = require(path.join(LIB, 'channel_model.js')) as { ConfirmChannel: new (connection: unknown) => ConfirmChannel & { allocate(): void; ch: number } };
  const stream = new Duplex({ read() {}, write: (_chunk, _encoding, done) => done() });
  const connection = new Connection(stream);
  connection.channelMax = 2 ** 16 - 1;
  connection.frameMax = frameMax;
  const channel = new ConfirmChannel(connection);
  channel.allocate();
  if (number !== channel.ch) {
    connection.channels[number] = connection.channels[channel.ch]!;
    connection.channels[channel.ch] = null;
    channel.ch = number;
  }
  const buffer = connection.channels[number]!.buffer;
  return {
    channel,
    internals: channel as unknown as OfflineChannel['internals'],
    connection,
    take() {
      const chunks: Buffer[] = [];
      for (let chunk = buffer.read() as Buffer | null; chunk !== null; chunk = buffer.read() as Buffer | null) chunks.push(chunk);
      return Buffer.concat(chunks);
    },
  };
}
