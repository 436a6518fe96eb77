// The form decoder writes a private body's decoded bytes over its encoded ones
// (records/private-bytes.ts); decoded so, a form must give what a copy gives, and a body
// that is not private must come out of the decoder as it went in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { joinPrivately } from '../../src/records/private-bytes';
import { UrlencodedFormDecoder } from '../../src/records/urlencoded-form';
import { cutAt } from '../support/convert';

/** The pieces of a form decoded from `chunks`, as name and value text (latin1: byte for byte). */
function piecesOf(chunks: readonly Buffer[]): string[] {
  const pieces: string[] = [];
  const decoder = new UrlencodedFormDecoder((p) => pieces.push(`${p.name}=${Buffer.from(p.bytes).toString('latin1')}`));
  for (const c of chunks) decoder.write(c);
  decoder.end();
  return pieces;
}

/** Forms as probes write them and worse: escapes, `+`, stray and cut `%`, empty fields. */
const formText = fc.array(
  fc.constantFrom('arg1', '=', '&', '%3C', '%3e', '%', '%4', '%zz', '+', 'R', 'é', '%C3%A9', 'command=update', '&&', 'x'),
  { maxLength: 60 },
).map((parts) => parts.join(''));

test('a private body decoded in place gives the pieces a copy gives, however it is cut', () => {
  fc.assert(fc.property(formText, fc.array(fc.nat(), { maxLength: 4 }), (text, at) => {
    const body = Buffer.from(text);
    const expected = piecesOf(cutAt(Buffer.from(body), at));
    const privateChunks = cutAt(body, at).map((c) => joinPrivately([c], c.length));
    assert.deepEqual(piecesOf(privateChunks), expected);
  }), { numRuns: 2000 });
});

test('a body that is not private is left as it was', () => {
  fc.assert(fc.property(formText, fc.array(fc.nat(), { maxLength: 4 }), (text, at) => {
    const chunks = cutAt(Buffer.from(text), at);
    const before = chunks.map((c) => Buffer.from(c));
    piecesOf(chunks);
    assert.deepEqual(chunks, before);
  }), { numRuns: 500 });
});

test('a private body is written over: the decoded bytes stand where the encoded ones were', () => {
  const body = joinPrivately([Buffer.from('arg1=%3CR%2F'), Buffer.from('%3E&from=x')], 22);
  assert.deepEqual(piecesOf([body]), ['arg1=', 'arg1=<R/>', 'from=', 'from=x']);
  // the name's bytes first ("arg1", without its `=`), then the value's
  assert.equal(body.subarray(0, 8).toString('latin1'), 'arg1<R/>');
});
