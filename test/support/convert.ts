import { from, toArray } from 'rxjs';
import type { Format } from '../../src/records/formats';
import { bundleMessages } from '../../src/streams/bundle-records';

/** Cuts a payload into chunks of `size` bytes, cutting through UTF-8 sequences as a socket may. */
export function bytesIn(text: string | Uint8Array, size: number): Buffer[] {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/**
 * The bytes (or text) cut at each of `cuts` (taken modulo the length + 1, in any order,
 * repeats ignored). Sockets give no empty chunks, but the pipeline must not mind them either.
 */
export function cutAt(bytes: Buffer, cuts: readonly number[]): Buffer[];
export function cutAt(text: string, cuts: readonly number[]): string[];
export function cutAt(data: Buffer | string, cuts: readonly number[]): (Buffer | string)[] {
  const piece = (from: number, to?: number): Buffer | string => (typeof data === 'string' ? data.slice(from, to) : data.subarray(from, to));
  const at = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: (Buffer | string)[] = [];
  let start = 0;
  for (const c of at) {
    out.push(piece(start, c));
    start = c;
  }
  out.push(piece(start));
  return out;
}

export type Converted = { ok: true; bodies: string[] } | { ok: false; error: Error };

/** Runs the bundle → formatted records path synchronously on the given chunks. */
export function convert(chunks: readonly (Buffer | string)[], fmt: Format = 'json'): Converted {
  let result: Converted | undefined;
  from(chunks)
    .pipe(bundleMessages(fmt), toArray())
    .subscribe({
      next: (messages) => (result = { ok: true, bodies: messages.map((m) => m.body.toString()) }),
      error: (error: Error) => (result = { ok: false, error }),
    });
  if (result === undefined) throw new Error('conversion did not finish synchronously');
  return result;
}

export function convertOk(chunks: readonly (Buffer | string)[], fmt: Format = 'json'): string[] {
  const r = convert(chunks, fmt);
  if (!r.ok) throw r.error;
  return r.bodies;
}

export function convertError(chunks: readonly (Buffer | string)[]): string {
  const r = convert(chunks);
  if (r.ok) throw new Error(`expected an error, got ${r.bodies.length} records`);
  return r.error.message;
}
