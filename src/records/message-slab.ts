/** Bytes of the slab each message takes a part of. */
const SLAB = 128 * 1024;
/** A message that may need more than this gets a buffer of its own (at most this much of a slab is left unused). */
const OWN = SLAB / 4;

let slab = Buffer.allocUnsafeSlow(SLAB);
let used = 0;

/**
 * Message bytes as parts of shared slabs, the way Node's `Buffer.from` places strings under
 * 4 KiB in 8 KiB pools: a record's message (5 kB for a modern one) would otherwise be an
 * allocation of its own, which cost about as much as writing it. Each message is its own
 * range, never written again; a slab is freed once all its messages are, and since messages
 * are made in bundle order and let go with their bundle, a slab outlives its bundle by at
 * most the next bundle's stay.
 */
export const messageSlab = {
  /** The UTF-8 bytes of `text`, as `Buffer.from(text)` writes them. */
  utf8(text: string): Buffer {
    const most = 3 * text.length; // UTF-8 bytes per UTF-16 unit
    if (most > OWN) return Buffer.from(text);
    const at = reserve(most);
    return taken(at, slab.write(text, at));
  },

  /** A copy of `source`'s bytes [from, end). */
  copy(source: Uint8Array, from: number, end: number): Buffer {
    const length = end - from;
    if (length > OWN) return Buffer.from(source.subarray(from, end));
    const at = reserve(length);
    slab.set(source.subarray(from, end), at);
    return taken(at, length);
  },
};

/** Where `length` bytes fit in the slab, starting a new one when they do not. */
function reserve(length: number): number {
  if (length > SLAB - used) {
    slab = Buffer.allocUnsafeSlow(SLAB);
    used = 0;
  }
  return used;
}

function taken(at: number, length: number): Buffer {
  used = (at + length + 7) & ~7; // the next message 8-byte aligned, as Node's pool does
  return slab.subarray(at, at + length);
}
