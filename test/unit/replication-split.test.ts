// The replication splitter reads checked UTF-8 bytes and makes strings only of the records:
// a property test against a plain reading of the whole bundle as text, character by
// character (the syntax as the earlier collectors read it), on generated bundles dense with
// quotes, backslashes, separators and characters of two to four bytes, some with a byte
// that is not UTF-8, cut into chunks anywhere (inside characters too).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { from, toArray } from 'rxjs';
import type { BundleItem } from '../../src/records/bundle-item';
import { split } from '../../src/operators/split';
import { cutAt } from '../support/convert';

/** What splitting gave: the records' raw texts, then the error, if any. */
type Outcome = { readonly raws: readonly string[]; readonly error?: string };

function splitBytes(chunks: readonly Buffer[]): Outcome {
  const raws: string[] = [];
  let error: string | undefined;
  from(chunks).pipe(split(), toArray()).subscribe({
    next: (items: BundleItem[]) => items.forEach((item) => item.kind === 'record' && raws.push(item.raw)),
    error: (e: Error) => (error = e.message),
  });
  // the records before an error are not collected by toArray: only the error is compared then
  return error === undefined ? { raws } : { raws: [], error };
}

/**
 * The record parts of a replication bundle read as text: tokens end at `|` outside double
 * quotes, a backslash escapes the next character; `replication` and three parts make a
 * group, empty tokens between groups skipped. Only for bundles as generated below: valid
 * records, balanced quotes, every word `replication`, a separator at the end.
 */
function recordParts(text: string): string[] {
  const records: string[] = [];
  let token = '';
  let quoted = false;
  let part = 0;
  const onToken = (t: string): void => {
    if (part === 0 && t.trim() === '') return;
    if (part === 1) records.push(t);
    part = (part + 1) % 4;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      token += text.slice(i, i + 2);
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      token += c;
    } else if (c === '|' && !quoted) {
      onToken(token);
      token = '';
    } else {
      token += c;
    }
  }
  // (the generated bundles end with a separator: a token left over is whitespace)
  return records;
}

/** Pieces of what the syntax and UTF-8 treat specially (characters of one to four bytes): quotes balanced, every backslash escaping something. */
const TEXT_PIECES = ['a', ' ', 'é', '€', '😀', '\n', '"x|y"', '"|"', '"\\""', '\\|', '\\"', '\\é', '\\😀', '\\\\'];
const rawPart = fc.array(fc.constantFrom(...TEXT_PIECES), { maxLength: 12 }).map((cs) => cs.join(''));
/** A small record whose quoted attribute and text hold the special characters too. */
const record = fc.tuple(fc.array(fc.constantFrom('a', '|', 'é', '😀', '\\\\', '€'), { maxLength: 6 }), fc.array(fc.constantFrom('b', '€', ' ', '\\|', '😀'), { maxLength: 6 }))
  .map(([attr, text]) => `<JobUsageRecord><RecordIdentity recordId="${attr.join('')}"/><JobName>${text.join('')}</JobName></JobUsageRecord>`);
const group = fc.tuple(record, rawPart, rawPart, fc.constantFrom('', '|', '||', ' |', '\n'))
  .map(([rec, raw, extra, between]) => `replication|${rec}|${raw}|${extra}|${between}`);

test('records split on the bytes are those a character-by-character reading finds, however the bytes are cut', () => {
  fc.assert(fc.property(fc.array(group, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 8 }), (groups, cuts) => {
    const text = groups.join('');
    const bytes = Buffer.from(text);
    const expected = recordParts(text);
    const got = splitBytes(cutAt(bytes, cuts));
    assert.deepEqual(got, { raws: expected });
    // cut everywhere: each chunk a single byte
    assert.deepEqual(splitBytes(cutAt(bytes, Array.from({ length: bytes.length }, (_, i) => i))), { raws: expected });
  }), { numRuns: 300 });
});

test('a byte that is not UTF-8, in a raw part as in a record, names the record the reading had reached', () => {
  const BAD = [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xe2, 0x82]];
  fc.assert(fc.property(fc.array(group, { minLength: 1, maxLength: 4 }), fc.nat(), fc.constantFrom(...BAD), fc.array(fc.nat(), { maxLength: 6 }), (groups, where, bad, cuts) => {
    const valid = Buffer.from(groups.join(''));
    // after a whole character: the bytes before it are valid
    const starts = [...Array(valid.length + 1).keys()].filter((i) => i === valid.length || (valid[i]! & 0xc0) !== 0x80);
    const at = starts[where % starts.length]!;
    const bytes = Buffer.concat([valid.subarray(0, at), Buffer.from(bad), valid.subarray(at)]);
    const before = recordParts(valid.subarray(0, at).toString());
    const error = `the bundle is not valid UTF-8 (at or after record ${before.length + 1})`;
    assert.deepEqual(splitBytes(cutAt(bytes, cuts)), { raws: [], error });
  }), { numRuns: 300 });
});
