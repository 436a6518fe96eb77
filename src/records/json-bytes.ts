import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FieldValue } from './gracc-record';
import { Uint64 } from './uint64';

// json-escape.wasm's memory, after its tables: the list of an object's fields (`object`),
// the `"key":` bytes of the keys met so far, the texts to escape, then the message.
/** Where the list of an object's fields goes, four i32 a field. */
const SPEC = 512;
/** The most fields `object` writes. */
const MAX_FIELDS = 2048;
/** Where the keys' bytes are kept, and how many bytes of them. */
const KEYS = SPEC + 16 * MAX_FIELDS;
const KEYS_SIZE = 64 * 1024;
/** The longest key kept (its `"key":` bytes). */
const MAX_KEY_BYTES = 1024;
/** Where the texts to escape go. */
const IN = KEYS + KEYS_SIZE;
/** The most UTF-16 units of value text `object` takes (their UTF-8 bytes go in before OUT). */
export const MAX_ESCAPED = 64 * 1024;
/** Where the message being written starts. */
const OUT = IN + 3 * MAX_ESCAPED;
/** A string value up to this long is written with the others (one write for them all), a longer one alone (not copied into the joined text first). */
const SHORT_VALUE = 256;
/** The memory's size: room for a message of about 1.8 MB; a longer one is not written here. */
const SIZE = 2 * 1024 * 1024;
const PAGE = 64 * 1024;
/** The size of the slabs messages are copied out into (see `bytes`). */
const SLAB = 128 * 1024;
/** A key's offset in the memory times this, plus its length. */
const KEY_SPAN = 2 * MAX_KEY_BYTES;
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
  object(spec: number, count: number, out: number): number;
}

/** A value that is not a string as JSON text (as JSON.stringify, or with exact counts), or undefined for one neither writes. */
function valueText(v: FieldValue, exactCounts: boolean): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : exactCounts ? '0' : 'null';
  return exactCounts && v instanceof Uint64 ? v.digits : undefined;
}

/** Whether the object inherits no enumerable property (for-in would visit it). */
function inheritsNothingEnumerable(o: object): boolean {
  const proto: unknown = Object.getPrototypeOf(o);
  if (proto === null) return true;
  if (proto !== Object.prototype) return false;
  for (const _ in proto) return false;
  return true;
}

/**
 * A message written in json-escape.wat's memory, then copied out as its own bytes. The point
 * is the escaping: JSON.stringify escapes a string at about 1.6 ns a unit (V8 11's
 * per-character loop), the module 0.3 to 1 ns a byte, UTF-8 encoding included (the sample's
 * RawXML, 2.7 kB, in 0.8 µs instead of 4.2; a modern record's, 2.9 kB, in 1.4 to 3 instead
 * of 4.4). `object` returns false when the fields do not fit or are not its to write, after
 * which the message is to be written some other way.
 */
export class JsonBytes {
  private readonly wasm: Exports;
  private readonly memory: Buffer;
  private readonly spec: Int32Array;
  /** The keys of the object being written, in order (reused: only the first `count` count). */
  private readonly names: string[] = [];
  private end = OUT;
  /** Each key's `"key":` bytes in the memory, as offset × KEY_SPAN + length. */
  private readonly keys = new Map<string, number>();
  private keysEnd = KEYS;
  private keysFull = false;
  private slab = Buffer.allocUnsafeSlow(SLAB);
  private slabAt = 0;

  constructor() {
    const binary = readFileSync(join(__dirname, 'json-escape.wasm'));
    this.wasm = new WebAssembly.Instance(new WebAssembly.Module(binary), {}).exports as unknown as Exports;
    this.wasm.memory.grow(SIZE / PAGE - this.wasm.memory.buffer.byteLength / PAGE);
    this.memory = Buffer.from(this.wasm.memory.buffer);
    this.spec = new Int32Array(this.wasm.memory.buffer, SPEC, 4 * MAX_FIELDS);
  }

  /** Starts a new message. */
  start(): void {
    this.end = OUT;
    if (this.keysFull) {
      // The keys' bytes are written over only between messages, as no message then points into them.
      this.keys.clear();
      this.keysEnd = KEYS;
      this.keysFull = false;
    }
  }

  /**
   * Appends `fields` as JSON.stringify writes them: the keys' bytes are kept from the
   * records before, the values' texts are written into the memory (the short ones joined,
   * in one write) and json-escape.wasm puts the object together, escaping every string.
   * With `exactCounts`, a 64-bit count is written digit for digit and a number that is not
   * finite as 0 (see serialize-json.ts). False (the memory left as it may be) for any other value,
   * a string with a lone surrogate, too many fields or too much text.
   */
  object(fields: Record<string, FieldValue>, exactCounts = false): boolean {
    // for-in, not Object.keys and a keyed read of each: on a fast object (see fields-object.ts)
    // it reads the values by the keys' places, a tenth of the time. It would also visit
    // enumerable properties the object inherits, which JSON.stringify leaves out: none is
    // allowed (a plain object's are Object.prototype's, which has none unless a program adds one).
    if (!inheritsNothingEnumerable(fields)) return false;
    const names = this.names;
    const spec = this.spec;
    let at = IN; // where the next value's bytes go
    let joined = ''; // the short values since `from`, to be written in one go
    let from = 0;
    let keyBytes = 0;
    let i = -1;
    for (const name in fields) {
      if (++i >= MAX_FIELDS) return false;
      names[i] = name;
      const key = this.key(name);
      if (key < 0) return false;
      const keyLength = key % KEY_SPAN;
      spec[4 * i] = (key - keyLength) / KEY_SPAN;
      spec[4 * i + 1] = keyLength;
      keyBytes += keyLength;
      const v = fields[name];
      if (typeof v === 'string') {
        if (v.length <= SHORT_VALUE) {
          joined += v;
          spec[4 * i + 3] = v.length;
          continue;
        }
        if ((at = this.joinedAt(joined, at, from, i, names, fields, exactCounts)) < 0) return false;
        joined = '';
        from = i + 1;
        if (3 * v.length > OUT - at || !v.isWellFormed()) return false;
        const length = this.memory.write(v, at);
        spec[4 * i + 2] = at;
        spec[4 * i + 3] = length;
        at += length;
      } else {
        const text = valueText(v, exactCounts);
        if (text === undefined) return false;
        joined += text;
        spec[4 * i + 3] = ~text.length;
      }
    }
    const count = i + 1;
    if ((at = this.joinedAt(joined, at, from, count, names, fields, exactCounts)) < 0) return false;
    // Each byte escapes to at most 6; a field adds its quotes and comma.
    if (1 + keyBytes + 6 * (at - IN) + 3 * count + SLACK > SIZE - this.end) return false;
    this.end = this.wasm.object(SPEC, count, this.end);
    return true;
  }

  /**
   * Writes the joined short values of fields [from, to) at `at` and sets where each is;
   * returns where the next bytes go, or -1. A joined text that is not all ASCII is written
   * again value by value, since its values' byte lengths are not their lengths.
   */
  private joinedAt(joined: string, at: number, from: number, to: number, names: readonly string[], fields: Record<string, FieldValue>, exactCounts: boolean): number {
    if (3 * joined.length > OUT - at) return -1;
    const spec = this.spec;
    if (this.memory.write(joined, at) === joined.length) {
      for (let i = from; i < to; i++) {
        spec[4 * i + 2] = at;
        const n = spec[4 * i + 3]!;
        at += n < 0 ? ~n : n;
      }
      return at;
    }
    for (let i = from; i < to; i++) {
      const v = fields[names[i]!]!;
      if (typeof v !== 'string') {
        spec[4 * i + 2] = at;
        at += this.memory.write(valueText(v, exactCounts)!, at, 'latin1');
        continue;
      }
      if (!v.isWellFormed()) return -1;
      const length = this.memory.write(v, at);
      spec[4 * i + 2] = at;
      spec[4 * i + 3] = length;
      at += length;
    }
    return at;
  }

  /** The key's `"key":` bytes in the memory (offset × KEY_SPAN + length), kept for the next records; -1 for one too long or when the room for keys is full (it is emptied at the next `start`). */
  private key(name: string): number {
    const known = this.keys.get(name);
    if (known !== undefined) return known;
    const text = `${JSON.stringify(name)}:`;
    if (3 * text.length > MAX_KEY_BYTES) return -1;
    if (this.keysEnd + 3 * text.length > KEYS + KEYS_SIZE) {
      this.keysFull = true;
      return -1;
    }
    const length = this.memory.write(text, this.keysEnd);
    const key = this.keysEnd * KEY_SPAN + length;
    this.keysEnd += length;
    this.keys.set(name, key);
    return key;
  }

  /**
   * The message written since `start`, as bytes of its own (the memory is written over by the
   * next). A message up to SLAB / 8 is copied into the current slab (as Node's pool does for
   * Buffers up to 4 kB; a modern record's message is 5): one ArrayBuffer for many messages,
   * which the garbage collector tracks once, rather than one each.
   */
  bytes(): Buffer {
    const n = this.end - OUT;
    if (n > SLAB / 8) return Buffer.from(this.memory.subarray(OUT, this.end));
    if (this.slabAt + n > SLAB) {
      this.slab = Buffer.allocUnsafeSlow(SLAB);
      this.slabAt = 0;
    }
    const start = this.slabAt;
    this.memory.copy(this.slab, start, OUT, this.end);
    this.slabAt = (start + n + 7) & ~7;
    return this.slab.subarray(start, start + n);
  }
}
