// The same body gives the same answer however it was cut into chunks: the four ways the
// fuzz test (request-fuzz.test.ts) found an error text that depended on the cuts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UrlencodedFormDecoder } from '../../src/records/urlencoded-form';
import { InvalidUtf8, Utf8Chunks } from '../../src/records/utf8-chunks';
import { convertError, cutAt } from '../support/convert';

/** The error each chunking gives: the body whole, then cut at every offset in turn, then cut in single bytes. */
function errorsOf(body: Buffer): Set<string> {
  const errors = new Set([convertError([body])]);
  for (let at = 0; at <= body.length; at++) errors.add(convertError(cutAt(body, [at])));
  errors.add(convertError(cutAt(body, Array.from({ length: body.length }, (_, i) => i))));
  return errors;
}

describe('invalid UTF-8', () => {
  const ok = '<RecordEnvelope><JobUsageRecord><RecordIdentity recordId="a"/></JobUsageRecord>';
  const body = Buffer.concat([Buffer.from(`${ok}<JobUsageRecord>`), Buffer.from([0xff]), Buffer.from('</JobUsageRecord></RecordEnvelope>')]);

  test('names the same record whatever the cuts: the text before the bad byte is read first', () => {
    assert.deepEqual(errorsOf(body), new Set(['the bundle is not valid UTF-8 (at or after record 2)']));
  });

  test('an error in a record before the bad byte wins however the chunks fall', () => {
    const bad = Buffer.concat([Buffer.from('<RecordEnvelope><JobUsageRecord><Status>&nope;</Status></JobUsageRecord><JobUsageRecord>'), Buffer.from([0xc3, 0x28]), Buffer.from('</JobUsageRecord></RecordEnvelope>')]);
    assert.deepEqual(errorsOf(bad), new Set(['record 1: malformed XML: 1:46: undefined entity.']));
  });

  test('the check\'s error carries the valid bytes before the first bad one, a sequence cut by the chunk before it too', () => {
    const utf8 = new Utf8Chunks();
    assert.equal(utf8.whole(Buffer.from([0x41, 0xe2, 0x82])).toString(), 'A');
    assert.throws(() => utf8.whole(Buffer.from([0xac, 0x42, 0xef, 0xbf, 0xbd, 0x43, 0xed, 0xa0, 0x80, 0x44])),
      (e: unknown) => e instanceof InvalidUtf8 && e.validBytes.toString() === '€B\ufffdC');
    for (const [bytes, valid] of [[[0xff, 0x41], ''], [[0x41, 0xff, 0x42], 'A'], [[0x41, 0xc0, 0x80], 'A'], [[0x41, 0xf4, 0x90, 0x80, 0x80], 'A'], [[0x41, 0x42, 0x80], 'AB']] as const) {
      assert.throws(() => new Utf8Chunks().whole(Buffer.from(bytes)), (e: unknown) => e instanceof InvalidUtf8 && e.validBytes.toString() === valid, JSON.stringify(bytes));
    }
  });
});

describe('a payload that is no bundle', () => {
  test('quotes the same head whatever had arrived when it was refused', () => {
    assert.deepEqual(errorsOf(Buffer.from('\0\0')), new Set(['not a Gratia bundle: expected a RecordEnvelope, a record or a replication bundle, found "\\u0000\\u0000"']));
    const long = Buffer.from(`  garbage ${'x'.repeat(60)}`);
    assert.deepEqual(errorsOf(long), new Set([`not a Gratia bundle: expected a RecordEnvelope, a record or a replication bundle, found "garbage ${'x'.repeat(32)}"`]));
  });

  test('a payload that ends while it could still be a replication bundle or a ping is quoted the same way', () => {
    assert.deepEqual(errorsOf(Buffer.from('repl')), new Set(['not a Gratia bundle: expected a RecordEnvelope, a record or a replication bundle, found "repl"']));
  });
});

describe('text outside the root element', () => {
  test('is reported the same whatever the cuts, before the root and after it', () => {
    assert.deepEqual(errorsOf(Buffer.from('<?xml version="1.0"?>\nab\ncd<R/>')), new Set(['malformed XML: text before the root element']));
    assert.deepEqual(errorsOf(Buffer.from('<R/>\n ab&amp;<!-- -->')), new Set(['malformed XML: text after the root element']));
    assert.deepEqual(errorsOf(Buffer.from('<?xml version="1.0"?> <![CDATA[x]]><R/>')), new Set(['malformed XML: text before the root element']));
  });
});

describe('form field names', () => {
  /** The fields of a body decoded in the given chunks, as name=value. */
  function fields(chunks: readonly Buffer[]): string[] {
    const out = new Map<string, Buffer[]>();
    const decoder = new UrlencodedFormDecoder((p) => out.set(p.name, [...(out.get(p.name) ?? []), p.bytes]));
    for (const c of chunks) decoder.write(c);
    decoder.end();
    return [...out].map(([name, parts]) => `${name}=${Buffer.concat(parts).toString('latin1')}`);
  }
  /** The same fields for the body whole and cut anywhere. */
  function sameWhateverTheCuts(body: string, expected: string[]): void {
    const bytes = Buffer.from(body);
    assert.deepEqual(fields([bytes]), expected, 'whole');
    for (let at = 0; at <= bytes.length; at++) assert.deepEqual(fields(cutAt(bytes, [at])), expected, `cut at ${at}`);
  }

  test('a `%` escape cut short ends at `=` and at `&`, kept literally, at the end of the body as anywhere', () => {
    sameWhateverTheCuts('a%=', ['a%=']);
    sameWhateverTheCuts('a%=&b=1', ['a%=', 'b=1']);
    sameWhateverTheCuts('x=1&a%', ['x=1', 'a%=']);
    sameWhateverTheCuts('a%4=', ['a%4=']);
    sameWhateverTheCuts('a%&b=1', ['a%=', 'b=1']);
  });

  test('in a value, an `&` after a `%` ends the field at the end of the body too', () => {
    sameWhateverTheCuts('x=a%&', ['x=a%']);
    sameWhateverTheCuts('x=a%&y=2', ['x=a%', 'y=2']);
    sameWhateverTheCuts('x=a%+', ['x=a% ']);
    sameWhateverTheCuts('x=a%4', ['x=a%4']);
    sameWhateverTheCuts('x=a%41%', ['x=aA%']);
  });
});
