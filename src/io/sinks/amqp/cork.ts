import type { Writable } from 'node:stream';
import type { ConfirmChannel } from 'amqplib';

const noop = () => {};

/** The socket under an amqplib channel or channel model (both hold the Connection, which holds the stream); undefined if amqplib's internals changed. */
export function socketOf(holder: unknown): Partial<Writable> | undefined {
  return (holder as { connection?: { stream?: Partial<Writable> } } | undefined)?.connection?.stream;
}

/** Sockets whose 'drain' already corks them for the multiplexer's writes. */
const CORKED_ON_DRAIN = new WeakSet<object>();

/**
 * amqplib's multiplexer hands each message to the socket on its own, one system call
 * each: a tenth of the collector's CPU time at 100-record bundles. It writes in a
 * setImmediate after publish and, once the socket's buffer is full, in the socket's
 * 'drain' handler. Corking the socket around both sends many messages in one write.
 *
 * Returns the uncork for after publishing. The multiplexer's setImmediate is queued from
 * a nextTick of the first publish (the channel buffer's 'readable'); the uncork, queued
 * from a nextTick after the last, runs right after it in the same turn of the event loop
 * (a turn later, the messages would wait for whatever bundle is parsed meanwhile). Each
 * pump corks again (corks nest), so that an uncork pending from an earlier pump cannot
 * release this pump's messages one system call each. The uncork in 'drain' comes right
 * after the multiplexer's own handler. Without a socket to reach (amqplib's internals
 * changed), messages go out as before.
 */
export function corkSocket(ch: ConfirmChannel): () => void {
  const socket = socketOf(ch);
  if (typeof socket?.cork !== 'function' || typeof socket.uncork !== 'function' || typeof socket.prependListener !== 'function') return noop;
  if (!CORKED_ON_DRAIN.has(socket)) {
    CORKED_ON_DRAIN.add(socket);
    socket.prependListener('drain', () => {
      socket.cork!();
      process.nextTick(() => socket.uncork!());
    });
  }
  socket.cork();
  return () => process.nextTick(() => setImmediate(() => socket.uncork!()));
}
