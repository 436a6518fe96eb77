/** A piece of a form field's value, decoded to bytes; a long value comes in several pieces. */
export interface FormPiece {
  readonly name: string;
  readonly bytes: Buffer;
}

const AMP = 0x26, EQ = 0x3d, PLUS = 0x2b, PERCENT = 0x25;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * Decodes an `application/x-www-form-urlencoded` body written in chunks cut anywhere,
 * handing out each value in decoded pieces as they arrive, so that a 64 MiB `arg1` never
 * needs to be held whole. Names are decoded as UTF-8 once complete. A malformed `%`
 * escape is kept literally, as browsers and most servers do.
 */
export class UrlencodedFormDecoder {
  private inName = true;
  private name: number[] = [];
  private currentName = '';
  /** Bytes of a `%` escape cut by a chunk boundary. */
  private pending: number[] = [];

  constructor(private readonly emit: (piece: FormPiece) => void) {}

  write(chunk: Uint8Array): void {
    const input = this.pending.length > 0 ? Buffer.concat([Buffer.from(this.pending), chunk]) : chunk;
    this.pending = [];
    // Decoded bytes never outnumber encoded ones; each emitted piece is its own slice of `out`.
    const out = Buffer.allocUnsafe(input.length);
    let start = 0;
    let n = 0;
    const flush = (): void => {
      if (n > start && !this.inName) this.emit({ name: this.currentName, bytes: out.subarray(start, n) });
      start = n;
    };
    for (let i = 0; i < input.length; i++) {
      let c = input[i]!;
      if (c === AMP) {
        flush();
        if (this.inName && this.name.length > 0) this.endName(); // a field with no `=`
        this.inName = true;
        this.name = [];
        continue;
      }
      if (this.inName && c === EQ) {
        this.endName();
        continue;
      }
      if (c === PLUS) c = 0x20;
      else if (c === PERCENT) {
        if (i + 2 >= input.length) {
          // The escape may be cut by the chunk boundary: keep it for the next chunk.
          this.pending = Array.from(input.subarray(i));
          break;
        }
        const hi = hexValue(input[i + 1]!), lo = hexValue(input[i + 2]!);
        if (hi >= 0 && lo >= 0) {
          c = hi * 16 + lo;
          i += 2;
        }
      }
      if (this.inName) this.name.push(c);
      else out[n++] = c;
    }
    flush();
  }

  end(): void {
    if (this.pending.length > 0) {
      const rest = Buffer.from(this.pending);
      this.pending = [];
      if (this.inName) this.name.push(...rest);
      else this.emit({ name: this.currentName, bytes: rest });
    }
    if (this.inName && this.name.length > 0) this.endName();
  }

  private endName(): void {
    this.currentName = Buffer.from(this.name).toString('utf8');
    this.inName = false;
    this.name = [];
    // An empty piece marks the field as present even when its value is empty.
    this.emit({ name: this.currentName, bytes: Buffer.alloc(0) });
  }
}
