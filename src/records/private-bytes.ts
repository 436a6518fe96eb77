/**
 * Byte arrays only the request's own steps hold: made by them (a body's chunks joined, see
 * gatherSmall), so that a later step may write over them (the form decoder writes each
 * decoded byte over the encoded ones it came from) instead of allocating a copy of the body.
 * Bytes from anywhere else (node's http, a file, a test that sends one buffer twice) may
 * be held elsewhere too and are never written to.
 *
 * Why: a 100-record replication bundle of today's records is some 770 kB; each copy of it
 * is one more buffer outside the JS heap that lives until a garbage collection finds it.
 */
const PRIVATE = new WeakSet<Buffer>();

/** `chunks` (of `bytes` bytes together) joined into one buffer nothing else holds. */
export function joinPrivately(chunks: readonly Uint8Array[], bytes: number): Buffer {
  const joined = Buffer.concat(chunks, bytes);
  PRIVATE.add(joined);
  return joined;
}

/** Whether `bytes` came from joinPrivately, and may be written over by the step it is passed to. */
export function isPrivate(bytes: Uint8Array): bytes is Buffer {
  return PRIVATE.has(bytes as Buffer);
}
