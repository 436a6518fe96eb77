import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where json-escape.wasm's memory holds a text to escape, after its tables. */
const IN = 512;
/** The longest text (UTF-16 units) `escaped` takes: its UTF-8 bytes go in before OUT. */
export const MAX_ESCAPED = 64 * 1024;
/** Where the message being written starts. */
const OUT = IN + 3 * MAX_ESCAPED;
/** The memory's size: room for a message of about 1.8 MB; a longer one is not written here. */
const SIZE = 2 * 1024 * 1024;
const PAGE = 64 * 1024;
/** What the escaper may write past its output's end. */
const SLACK = 16;

// The WebAssembly API as used here (lib.dom declares it, @types/node does not).
declare const WebAssembly: {
  readonly Module: new (binary: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
};

/** What json-escape.wat exports. */
interface Exports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  escape(from: number, end: number, out: number): number;
}

/**
 * A message written piece by piece in json-escape.wat's memory, then copied out as its own
 * bytes. The point is `escaped`: JSON.stringify escapes a string at about 1.6 ns a unit (V8
 * 11's per-character loop), the module 0.3 to 1 ns a byte, UTF-8 encoding included (the
 * sample's RawXML, 2.7 kB, in 0.8 µs instead of 4.2; a modern record's, 2.9 kB, in 1.4 to 3
 * instead of 4.4). Each method returns false when the piece does not fit, after which the
 * message is to be written some other way.
 */
export class JsonBytes {
  private readonly wasm: Exports;
  private readonly memory: Buffer;
  private end = OUT;

  constructor() {
    const binary = readFileSync(join(__dirname, 'json-escape.wasm'));
    this.wasm = new WebAssembly.Instance(new WebAssembly.Module(binary), {}).exports as unknown as Exports;
    this.wasm.memory.grow(SIZE / PAGE - this.wasm.memory.buffer.byteLength / PAGE);
    this.memory = Buffer.from(this.wasm.memory.buffer);
  }

  /** Starts a new message. */
  start(): void {
    this.end = OUT;
  }

  /** Appends the UTF-8 bytes of `text` but its last `drop` units (which must be ASCII). */
  text(text: string, drop = 0): boolean {
    if (3 * text.length > SIZE - this.end) return false;
    this.end += this.memory.write(text, this.end) - drop;
    return true;
  }

  /** Appends `text` (well-formed: no lone surrogate) as the inside of a JSON string, escaped as JSON.stringify escapes it. */
  escaped(text: string): boolean {
    // An escape is at most 6 bytes for 1 (a control character); a unit is at most 3 bytes.
    if (text.length > MAX_ESCAPED || 6 * text.length + SLACK > SIZE - this.end) return false;
    const length = this.memory.write(text, IN);
    this.end = this.wasm.escape(IN, IN + length, this.end);
    return true;
  }

  /** The message written since `start`, as bytes of its own (the memory is written over by the next). */
  bytes(): Buffer {
    return Buffer.from(this.memory.subarray(OUT, this.end));
  }
}
