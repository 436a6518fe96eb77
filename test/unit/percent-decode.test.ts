import assert from 'node:assert/strict';
import querystring from 'node:querystring';
import { test } from 'node:test';
import { PercentDecoder } from '../../src/records/percent-decode';

// Node's own decoder, the reference: documented, but missing from @types/node.
const { unescapeBuffer } = querystring as unknown as { unescapeBuffer(text: string, decodeSpaces: boolean): Buffer };
const WINDOW = 1024 * 1024; // as in percent-decode.ts: inputs past it go in several calls

/** Decodes the whole of `text` (which holds no `&`) from `i`; returns the bytes and where it stopped. */
function decode(text: string, i = 0): { bytes: Buffer; stoppedAt: number } {
  const decoder = new PercentDecoder();
  const input = Buffer.from(text, 'latin1');
  const out = Buffer.alloc(input.length);
  const n = decoder.decode(input, i, out, 0);
  return { bytes: out.subarray(0, n), stoppedAt: decoder.stoppedAt };
}

/** A form value of `length` bytes, dense with escapes, pluses and malformed escapes. */
function formText(length: number, seed: number): string {
  const pieces = ['%3C', '%3e', '%22', '+', 'a', 'Z', '9', '.', '%', '%G1', '%4', '*', '-', '%C3%A9', '~', '%00', '%fF'];
  let x = seed;
  let s = '';
  while (s.length < length) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += pieces[x % pieces.length];
  }
  return s.slice(0, length).replace(/%[0-9A-Fa-f]?$/, ''); // no escape cut by the end
}

test('percent-decoding matches Node\'s querystring, across windows, malformed escapes kept', () => {
  for (const [length, seed] of [[1000, 1], [WINDOW * 2 + 12_345, 2]] as const) {
    const text = formText(length, seed);
    const { bytes, stoppedAt } = decode(text);
    assert.equal(stoppedAt, text.length);
    assert.ok(bytes.equals(unescapeBuffer(text, true)), `${length} bytes`);
  }
});

test('an escape cut by a window is decoded whole, wherever the cut falls', () => {
  for (const before of [WINDOW - 3, WINDOW - 2, WINDOW - 1, WINDOW]) {
    const text = `${'a'.repeat(before)}%41%2bz`;
    assert.equal(decode(text).bytes.toString('latin1'), `${'a'.repeat(before)}A+z`, `escape at ${before}`);
  }
});

test('it stops at an `&`, and before an escape cut by the end of the input', () => {
  assert.deepEqual(decode('ab%41&c=d', 1), { bytes: Buffer.from('bA'), stoppedAt: 5 });
  for (const cut of ['ab%', 'ab%4']) assert.deepEqual(decode(cut), { bytes: Buffer.from('ab'), stoppedAt: 2 });
  assert.deepEqual(decode(''), { bytes: Buffer.alloc(0), stoppedAt: 0 });
});
