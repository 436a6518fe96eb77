import { isUtf8 } from 'node:buffer';

/**
 * Checks UTF-8 arriving in chunks cut anywhere, refusing invalid bytes, and hands out
 * whole characters: a sequence cut by a chunk boundary waits for the next chunk. Each
 * piece handed out can then be decoded on its own, and so can any part of it cut at an
 * ASCII byte (which is never inside a sequence): a replication bundle's raw parts are
 * checked but never made strings. (The engine's validator is faster than a streaming fatal
 * TextDecoder.)
 */
export class Utf8Chunks {
  private tail: Buffer | undefined;

  /** The bytes of the chunk's complete characters (with those of one the chunk before cut); throws on invalid UTF-8, with the valid bytes before it. */
  whole(chunk: Uint8Array): Buffer {
    let bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.tail !== undefined) {
      bytes = Buffer.concat([this.tail, bytes]);
      this.tail = undefined;
    }
    const end = completeLength(bytes);
    if (end < bytes.length) this.tail = Buffer.from(bytes.subarray(end));
    const complete = bytes.subarray(0, end);
    if (!isUtf8(complete)) throw new InvalidUtf8(complete.subarray(0, validLength(complete)));
    return complete;
  }

  /** Checks nothing is left over at the end of the input. */
  end(): void {
    if (this.tail !== undefined) throw new InvalidUtf8(Buffer.alloc(0));
  }
}

export class InvalidUtf8 extends Error {
  /**
   * The bytes before the first invalid one (from where the last check began), whole
   * characters: read before the error is raised, the input gives the same outcome however
   * it was cut.
   */
  readonly validBytes: Buffer;

  constructor(validBytes: Buffer) {
    super('invalid UTF-8');
    this.validBytes = validBytes;
  }
}

const REPLACEMENT = '\ufffd';
/** U+FFFD written in UTF-8. */
const REPLACEMENT_BYTES = Buffer.from(REPLACEMENT);

/**
 * How many bytes of `bytes` come before their first invalid sequence. The decoder puts
 * U+FFFD for each invalid one and decodes every byte before the first exactly; a U+FFFD
 * that was sent as such (EF BF BD) is skipped over. Only run on invalid input.
 */
function validLength(bytes: Buffer): number {
  const text = bytes.toString('utf8');
  let at = 0;
  let offset = 0;
  for (;;) {
    const found = text.indexOf(REPLACEMENT, at);
    if (found < 0) return bytes.length; // not reached: the bytes are invalid
    offset += Buffer.byteLength(text.slice(at, found));
    if (!bytes.subarray(offset, offset + 3).equals(REPLACEMENT_BYTES)) return offset;
    at = found + 1;
    offset += 3;
  }
}

/** How many leading bytes hold whole characters: a lead byte among the last three whose sequence is cut stays out. */
function completeLength(bytes: Buffer): number {
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}
