// A chunk longer than TEXT_PIECE_BYTES reaches the XML reader in pieces (payload-splitter.ts):
// cut before a `<`, or after a whole character where a long stretch holds no `<`. Read so,
// a bundle must give what it gives in chunks too small to be cut, records and errors alike.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TEXT_PIECE_BYTES } from '../../src/records/payload-splitter';
import { bytesIn, convert, convertOk } from '../support/convert';

const record = (i: number, text: string): string =>
  `<JobUsageRecord xmlns:urwg="http://schema.ogf.org/urf/2003/09/urwg"><RecordIdentity urwg:recordId="r-${i}" urwg:createTime="2026-12-01T00:00:00Z"/>` +
  `<JobIdentity><GlobalJobId>${text}</GlobalJobId></JobIdentity><UserIdentity><LocalUserId>u${i}</LocalUserId></UserIdentity>` +
  `<WallDuration>PT${i}S</WallDuration><EndTime>2026-12-01T00:00:00Z</EndTime></JobUsageRecord>`;

function envelope(records: readonly string[]): Buffer {
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<RecordEnvelope>\n${records.join('\n')}\n</RecordEnvelope>`);
}

test('records of a bundle read in pieces are those of the bundle read in small chunks', () => {
  // ordinary records over several pieces, then one whose text (multi-byte characters, no `<`)
  // is longer than a piece, so that a cut must fall between two characters
  const long = 'é✓𝄞x'.repeat(Math.ceil((TEXT_PIECE_BYTES * 1.5) / 10));
  const records = [...Array.from({ length: 400 }, (_, i) => record(i, `job-${i}`)), record(400, long), record(401, 'last')];
  const body = envelope(records);
  assert.ok(body.length > 3 * TEXT_PIECE_BYTES);
  const whole = convertOk([body]);
  assert.equal(whole.length, records.length);
  assert.deepEqual(whole, convertOk(bytesIn(body, 4096)));
  assert.ok(whole[400]!.includes(long));
});

test('an error past the first piece is the same error', () => {
  const records = [...Array.from({ length: 300 }, (_, i) => record(i, `job-${i}`)), record(300, 'bad &nope; ref')];
  const body = envelope(records);
  const cut = convert([body]);
  const small = convert(bytesIn(body, 4096));
  assert.equal(cut.ok, false);
  assert.equal(small.ok, false);
  if (!cut.ok && !small.ok) assert.equal(cut.error.message, small.error.message);
});
