// Request bodies as probes and collectors send them (application/x-www-form-urlencoded),
// and an independent reading of one, for tests of the whole request pipeline.
import { from, type Observable, toArray } from 'rxjs';
import type { Format, OutboundMessage } from '../../src/contracts/sink';
import { bundleMessages } from '../../src/streams/bundle-records';
import { asReceived, type ReceivedMessage } from './scripted-sink';

export type FormFields = readonly (readonly [name: string, value: string | Buffer])[];

/**
 * How a sender escapes: `plus` as Python's urlencode (what Gratia probes use: space → `+`,
 * everything but letters, digits and `_.-~` as %XX), `percent` as encodeURIComponent.
 */
export type Escaping = 'plus' | 'percent';

const UNRESERVED_PLUS = /[A-Za-z0-9_.\-~]/;
const UNRESERVED_PERCENT = /[A-Za-z0-9_.\-~!'()*]/;

/** One field name or value, escaped byte by byte. */
export function escapeForm(value: string | Buffer, escaping: Escaping = 'plus'): string {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const unreserved = escaping === 'plus' ? UNRESERVED_PLUS : UNRESERVED_PERCENT;
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    if (b < 0x80 && unreserved.test(c)) out += c;
    else if (b === 0x20 && escaping === 'plus') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** The body of a form with these fields, in this order. */
export function formBody(fields: FormFields, escaping: Escaping = 'plus'): Buffer {
  return Buffer.from(fields.map(([n, v]) => `${escapeForm(n, escaping)}=${escapeForm(v, escaping)}`).join('&'), 'latin1');
}

/**
 * Reads a form body as the WHATWG URL standard does (split on `&`, then at the first `=`;
 * `+` is a space, `%XX` a byte, any other `%` itself), with names decoded as UTF-8 and
 * values kept as bytes. Written independently of src/records/urlencoded-form.ts, so it can
 * judge it.
 */
export function readForm(body: Buffer): Map<string, Buffer[]> {
  const fields = new Map<string, Buffer[]>();
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf(0x26, start);
    if (end < 0) end = body.length;
    const part = body.subarray(start, end);
    start = end + 1;
    if (part.length === 0) continue;
    const eq = part.indexOf(0x3d);
    const name = unescape(eq < 0 ? part : part.subarray(0, eq)).toString('utf8');
    const value = eq < 0 ? Buffer.alloc(0) : unescape(part.subarray(eq + 1));
    const values = fields.get(name) ?? [];
    values.push(value);
    fields.set(name, values);
  }
  return fields;
}

function unescape(bytes: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const hex = b === 0x25 ? bytes.toString('latin1', i + 1, i + 3) : '';
    if (b === 0x2b) out.push(0x20);
    else if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else out.push(b);
  }
  return Buffer.from(out);
}

export type Converted = { readonly ok: true; readonly messages: ReceivedMessage[] } | { readonly ok: false; readonly error: Error };

/** What `convert` makes of a payload for a sink of format `fmt`: its messages, or the error that rejects it. */
export function convertPayload(payload: Buffer, fmt: Format): Converted {
  return runSync<OutboundMessage[], Converted>(from([payload]).pipe(bundleMessages(fmt), toArray()), (messages) => ({ ok: true, messages: messages.map(asReceived) }),
    (error) => ({ ok: false, error }));
}

/** Subscribes and returns what the observable gave, which must come synchronously. */
export function runSync<T, R>(source: Observable<T>, onValue: (value: T) => R, onError: (error: Error) => R): R {
  let result: { r: R } | undefined;
  source.subscribe({
    next: (value) => (result = { r: onValue(value) }),
    error: (error: Error) => (result = { r: onError(error) }),
  });
  if (result === undefined) throw new Error('the observable did not answer synchronously');
  return result.r;
}
