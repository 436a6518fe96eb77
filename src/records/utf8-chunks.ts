import { isUtf8 } from 'node:buffer';

/**
 * Decodes UTF-8 arriving in chunks cut anywhere, refusing invalid bytes. A sequence cut by
 * a chunk boundary waits for the next chunk. (The engine's validator and decoder are
 * faster than a streaming fatal TextDecoder.)
 */
export class Utf8Chunks {
  private tail: Buffer | undefined;

  /** The text of the chunk's complete characters; throws on invalid UTF-8. */
  decode(chunk: Uint8Array): string {
    let bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.tail !== undefined) {
      bytes = Buffer.concat([this.tail, bytes]);
      this.tail = undefined;
    }
    const end = completeLength(bytes);
    if (end < bytes.length) this.tail = Buffer.from(bytes.subarray(end));
    const complete = bytes.subarray(0, end);
    if (!isUtf8(complete)) throw new InvalidUtf8();
    return complete.toString('utf8');
  }

  /** Checks nothing is left over at the end of the input. */
  end(): void {
    if (this.tail !== undefined) throw new InvalidUtf8();
  }
}

export class InvalidUtf8 extends Error {
  constructor() {
    super('invalid UTF-8');
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
