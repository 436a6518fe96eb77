// The form decoder reads gathered chunks (records/gathered-chunks.ts) one after another into
// one buffer: each field's value must come out as one piece, the very bytes a decode of the
// whole body gives, however the body is cut, and the chunks must be left as they were.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { GatheredChunks } from '../../src/records/gathered-chunks';
import { type FormPiece, UrlencodedFormDecoder } from '../../src/records/urlencoded-form';
import { cutAt } from '../support/convert';

/** The pieces a decoder emits for `write`, as name and value text (latin1: byte for byte). */
function piecesOf(write: (decoder: UrlencodedFormDecoder) => void): string[] {
  const pieces: FormPiece[] = [];
  const decoder = new UrlencodedFormDecoder((p) => pieces.push(p));
  write(decoder);
  decoder.end();
  return pieces.map((p) => `${p.name}=${Buffer.from(p.bytes).toString('latin1')}`);
}

/** Forms as probes write them and worse: escapes, `+`, stray and cut `%`, empty fields. */
const formText = fc.array(
  fc.constantFrom('arg1', '=', '&', '%3C', '%3e', '%', '%4', '%zz', '+', 'R', 'é', '%C3%A9', 'command=update', '&&', 'x'),
  { maxLength: 60 },
).map((parts) => parts.join(''));

/**
 * Pieces as a form's fields: each field's marker, then its value's pieces as one (the
 * decoder may emit a value of a chunk in several, e.g. at a `%` kept as it is).
 */
function asFields(pieces: readonly string[]): string[] {
  const out: string[] = [];
  let marker = '';
  for (const p of pieces) {
    const name = p.slice(0, p.indexOf('=') + 1);
    if (p === name) {
      out.push((marker = p));
    } else if (out[out.length - 1] !== marker && out[out.length - 1]!.startsWith(name)) {
      out[out.length - 1] += p.slice(name.length);
    } else {
      out.push(p);
    }
  }
  return out;
}

const gathered = (chunks: readonly Buffer[]) => new GatheredChunks(chunks, chunks.reduce((n, c) => n + c.length, 0));

test('gathered chunks decode to the pieces of the whole body decoded at once, each value whole', () => {
  fc.assert(fc.property(formText, fc.array(fc.nat(), { maxLength: 5 }), (text, at) => {
    const body = Buffer.from(text);
    const whole = asFields(piecesOf((d) => d.write(Buffer.from(body))));
    const chunks = cutAt(body, at);
    const before = chunks.map((c) => Buffer.from(c));
    const got = piecesOf((d) => d.writeGathered(gathered(chunks)));
    // one piece a value, but for an escape the body's end cuts (its `%` comes out at the end)
    assert.deepEqual(/%[0-9A-Fa-f]?$/.test(text) ? asFields(got) : got, whole);
    assert.deepEqual(chunks, before);
  }), { numRuns: 2000 });
});

test('gathered chunks after a chunk that cut an escape, and chunks after them, decode as the body cut there', () => {
  fc.assert(fc.property(formText, fc.nat(), fc.array(fc.nat(), { maxLength: 4 }), fc.nat(), (text, first, at, last) => {
    const body = Buffer.from(text);
    const [head, rest] = cutAt(body, [first]).concat([Buffer.alloc(0)]);
    const [middle, tail] = cutAt(rest!, [last]).concat([Buffer.alloc(0)]);
    const expected = asFields(piecesOf((d) => [head!, middle!, tail!].forEach((c) => d.write(c))));
    const got = asFields(piecesOf((d) => {
      d.write(head!);
      d.writeGathered(gathered(cutAt(middle!, at)));
      d.write(tail!);
    }));
    assert.deepEqual(got, expected);
  }), { numRuns: 2000 });
});

test('a value cut by every chunk boundary comes out as one piece', () => {
  const body = Buffer.from('command=update&arg1=%3CR%2F%3E%3CS%2F%3E&from=x');
  const chunks = cutAt(body, [21, 22, 23, 30, 31]);
  assert.deepEqual(piecesOf((d) => d.writeGathered(gathered(chunks))), [
    'command=', 'command=update', 'arg1=', 'arg1=<R/><S/>', 'from=', 'from=x',
  ]);
});
