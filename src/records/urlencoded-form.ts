import { PercentDecoder } from './percent-decode';
import type { GatheredChunks } from './gathered-chunks';

/** A piece of a form field's value, decoded to bytes; a long value comes in several pieces. */
export interface FormPiece {
  readonly name: string;
  readonly bytes: Buffer;
}

const AMP = 0x26, EQ = 0x3d, PLUS = 0x2b, PERCENT = 0x25;

/** Hex digit values by byte, -1 for anything else. */
const HEX = new Int8Array(256).fill(-1);
for (let d = 0; d < 10; d++) HEX[0x30 + d] = d;
for (let d = 0; d < 6; d++) HEX[0x41 + d] = HEX[0x61 + d] = 10 + d;

/**
 * Bytes of a field name kept: a longer name is cut to them. No field the collector reads has
 * a long name, and a name is held whole until it ends (a 60 MB name would cost 3 × 60 MB).
 */
export const MAX_NAME_BYTES = 1024;

/** The empty piece that marks a field present: one for all of them. */
const NO_BYTES = Buffer.alloc(0);

/**
 * Whether the `%` at `at` may begin an escape the next chunk completes: fewer than two bytes
 * follow it, each a hex digit. Otherwise what follows is read at once (an `=` or `&` ends a
 * name, an `&` a value), so that a field does not depend on where the body was cut.
 */
function escapeMayGoOn(input: Uint8Array, at: number): boolean {
  const after = input.length - at - 1;
  return after === 0 || (after === 1 && HEX[input[at + 1]!]! >= 0);
}

/** One for the process: the decoding is synchronous, and its WebAssembly memory is a few MiB. */
let values: PercentDecoder | undefined;

/**
 * Decodes an `application/x-www-form-urlencoded` body written in chunks cut anywhere,
 * handing out each value in decoded pieces as they arrive, so that a 64 MiB `arg1` never
 * needs to be held whole. Names are decoded as UTF-8 once complete
 * (their first MAX_NAME_BYTES bytes). A malformed `%`
 * escape is kept literally, as browsers and most servers do.
 */
export class UrlencodedFormDecoder {
  private inName = true;
  /** The bytes of the name being read that came in earlier chunks (a name may be long too). */
  private nameParts: Buffer[] = [];
  /** Their length. */
  private nameBytes = 0;
  private currentName = '';
  /** Bytes of a `%` escape cut by a chunk boundary. */
  private pending: number[] = [];
  /** While gathered chunks are decoded: the value piece not emitted yet, which the next chunk's piece of the same value may lengthen. */
  private held: { name: string; out: Buffer; start: number; end: number } | undefined;
  private gathering = false;

  constructor(private readonly emit: (piece: FormPiece) => void) {}

  write(chunk: Uint8Array): void {
    const joined = this.withPending(chunk);
    // Decoded bytes never outnumber encoded ones (n ≤ i throughout), so a join of the
    // decoder's own is decoded in place; anything else may be held elsewhere too.
    this.decode(joined ?? chunk, joined ?? Buffer.allocUnsafe(chunk.length), 0);
  }

  /**
   * Decodes gathered chunks one after another into one buffer: a value's pieces from
   * consecutive chunks lie end to end in it and come out as one piece.
   */
  writeGathered(gathered: GatheredChunks): void {
    const out = Buffer.allocUnsafe(this.pending.length + gathered.byteLength);
    let n = 0;
    this.gathering = true;
    try {
      for (const chunk of gathered.chunks) {
        const joined = this.withPending(chunk);
        n = this.decode(joined ?? chunk, out, n);
      }
    } finally {
      this.gathering = false;
      this.emitHeld();
    }
  }

  /** The escape cut by the last chunk's end and `chunk`, joined; undefined when none was cut. */
  private withPending(chunk: Uint8Array): Buffer | undefined {
    if (this.pending.length === 0) return undefined;
    const joined = Buffer.concat([Buffer.from(this.pending), chunk]);
    this.pending = [];
    return joined;
  }

  /**
   * Decodes `input` into `out` from `n` on (`out` has room for every byte of `input`, and
   * may be `input` itself when `n` is 0); each value piece emitted is a slice of `out`.
   * Returns where the decoded bytes end.
   */
  private decode(input: Uint8Array, out: Buffer, n: number): number {
    const len = input.length;
    let i = 0;
    // The name being read is decoded into `out` too, from `nameFrom` to `n`.
    let nameFrom = n;
    while (i < len) {
      if (this.inName) {
        // Names are short and rare: byte by byte.
        let c = input[i++]!;
        if (c === AMP) {
          if (this.nameParts.length > 0 || n > nameFrom) {
            this.endName(out.subarray(nameFrom, n)); // a field with no `=`
            this.inName = true;
          }
          nameFrom = n;
        } else if (c === EQ) {
          this.endName(out.subarray(nameFrom, n));
        } else {
          if (c === PLUS) c = 0x20;
          else if (c === PERCENT) {
            if (escapeMayGoOn(input, i - 1)) {
              this.pending = Array.from(input.subarray(i - 1));
              break;
            }
            const hi = HEX[input[i]!]!, lo = i + 1 < len ? HEX[input[i + 1]!]! : -1;
            if (hi >= 0 && lo >= 0) {
              c = hi * 16 + lo;
              i += 2;
            }
          }
          if (this.nameBytes + n - nameFrom < MAX_NAME_BYTES) out[n++] = c;
        }
        continue;
      }
      const start = n;
      values ??= new PercentDecoder();
      n = values.decode(input, i, out, n);
      i = values.stoppedAt;
      // The decoder stops at a `%` fewer than two bytes before the end: if the byte after it
      // is no hex digit, the `%` is kept as it is, and decoding goes on from that byte (an `&`?).
      const literal = i < len && input[i] === PERCENT && !escapeMayGoOn(input, i);
      if (literal) out[n++] = input[i++]!;
      if (n > start) this.emitValue(out, start, n);
      if (literal) continue;
      if (i < len) {
        if (input[i] === PERCENT) {
          // The escape may be cut by the chunk boundary: keep it for the next chunk.
          this.pending = Array.from(input.subarray(i));
          break;
        }
        // at an `&`: the next field's name follows
        i++;
        this.inName = true;
        nameFrom = n;
      }
    }
    if (this.inName && n > nameFrom) {
      // copied out: a slice would keep this chunk's whole output alive
      this.nameParts.push(Buffer.from(out.subarray(nameFrom, n)));
      this.nameBytes += n - nameFrom;
      // what follows is decoded over the name's bytes: they are no value's
      n = nameFrom;
    }
    return n;
  }

  /** Emits the value piece `out[start, end)` of the current field (held while gathering, should the next chunk go on with it). */
  private emitValue(out: Buffer, start: number, end: number): void {
    if (!this.gathering) return this.emit({ name: this.currentName, bytes: out.subarray(start, end) });
    const held = this.held;
    if (held !== undefined && held.out === out && held.end === start && held.name === this.currentName) {
      held.end = end;
      return;
    }
    this.emitHeld();
    this.held = { name: this.currentName, out, start, end };
  }

  private emitHeld(): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    this.emit({ name: held.name, bytes: held.out.subarray(held.start, held.end) });
  }

  end(): void {
    if (this.pending.length > 0) {
      const rest = Buffer.from(this.pending);
      this.pending = [];
      if (this.inName) {
        if (this.nameBytes < MAX_NAME_BYTES) this.nameParts.push(rest.subarray(0, MAX_NAME_BYTES - this.nameBytes));
      }
      else this.emit({ name: this.currentName, bytes: rest });
    }
    if (this.inName && this.nameParts.length > 0) this.endName(NO_BYTES);
  }

  /** Ends the name being read; `last` holds its bytes from this chunk. */
  private endName(last: Buffer): void {
    const parts = this.nameParts;
    this.currentName = (parts.length === 0 ? last : Buffer.concat([...parts, last])).toString('utf8');
    this.inName = false;
    this.nameParts = [];
    this.nameBytes = 0;
    // An empty piece marks the field as present even when its value is empty.
    this.emitHeld();
    this.emit({ name: this.currentName, bytes: NO_BYTES });
  }
}
