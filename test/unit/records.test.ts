import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { durationSeconds } from '../../src/records/duration';
import { normaliseInstant } from '../../src/records/instant';
import { bytesIn, convertError, convertOk } from '../support/convert';

const BUNDLES = join(__dirname, '..', '..', '..', '..', 'shared', 'conformance', 'bundles');
const envelope = readFileSync(join(BUNDLES, 'multiupdate-envelope.xml'), 'utf8');
const replication = readFileSync(join(BUNDLES, 'replication-15.bundle'), 'utf8');

const JUR = (id: string, body = '') =>
  `<JobUsageRecord xmlns:urwg="http://www.gridforum.org/2003/ur-wg"><RecordIdentity urwg:recordId="${id}" urwg:createTime="2020-01-01T00:00:00Z"/>${body}</JobUsageRecord>`;
const wrap = (...records: string[]) => `<?xml version="1.0"?>\n<RecordEnvelope>\n${records.join('\n')}\n</RecordEnvelope>`;
const parsed = (bodies: string[]) => bodies.map((b) => JSON.parse(b) as Record<string, unknown>);

describe('the real bundles', () => {
  test('the probe envelope gives its 11 records, the replication bundle its 15', () => {
    assert.equal(convertOk([envelope]).length, 11);
    assert.equal(convertOk([replication]).length, 15);
  });

  test('RawXML of a replication record is the record part exactly as sent', () => {
    const first = parsed(convertOk([replication]))[0]!;
    const part = replication.split('|')[1];
    assert.equal(first['RawXML'], part);
  });

  for (const [name, text] of [['envelope', envelope], ['replication', replication]] as const) {
    test(`${name}: the same output whatever the chunk size, 1 byte up`, () => {
      const whole = convertOk([text]);
      for (const size of [1, 2, 3, 7, 64, 1000, 4096, 65536]) {
        assert.deepEqual(convertOk(bytesIn(text, size)), whole, `chunks of ${size}`);
      }
    });
  }
});

describe('payload forms', () => {
  test('a lone record (urlencodedupdate) is one record', () => {
    const [r] = parsed(convertOk([`<?xml version="1.0"?>\n${JUR('lone')}`]));
    assert.equal(r!['RecordId'], 'lone');
    assert.equal(r!['RawXML'], JUR('lone'));
  });

  test('ProbeDetails handshakes are not records', () => {
    const out = parsed(convertOk([wrap('<ProbeDetails><ProbeName>p</ProbeName></ProbeDetails>', JUR('a'))]));
    assert.deepEqual(out.map((r) => r['RecordId']), ['a']);
  });

  test('replication: | inside a quoted string is not a separator; a backslash escapes', () => {
    const rec = JUR('q|1', '<JobName urwg:description="a|b" urwg:unit="c\\d">x \\| y\\\\</JobName>');
    const bundle = `replication|${rec}|${rec}|null|`;
    for (const size of [1, 2, 3, 5, 64]) {
      const chunks = Array.from({ length: Math.ceil(bundle.length / size) }, (_, i) => bundle.slice(i * size, (i + 1) * size));
      assert.deepEqual(convertOk(chunks, 'raw'), [rec], `chunks of ${size}`);
    }
    const [r] = parsed(convertOk([bundle]));
    assert.equal(r!['RecordId'], 'q|1');
    assert.equal(r!['JobName_description'], 'a|b');
    assert.equal(r!['JobName'], 'x \\| y\\\\');
  });

  test('replication: empty tokens between groups are skipped, a missing extra part is fine', () => {
    const out = parsed(convertOk([`replication|${JUR('a')}|raw||||replication|${JUR('b')}|raw`]));
    assert.deepEqual(out.map((r) => r['RecordId']), ['a', 'b']);
  });

  test('an envelope with no records is an empty bundle, not an error', () => {
    assert.deepEqual(convertOk(['<RecordEnvelope/>']), []);
  });

  test('unknown record types are published, never dropped', () => {
    const [r] = parsed(convertOk([wrap('<ComputeElement><UniqueID>ce1</UniqueID><Name>x</Name></ComputeElement>')]));
    assert.equal(r!['type'], 'ComputeElement');
    assert.equal(r!['UniqueID'], 'ce1');
  });
});

describe('attribute values', () => {
  test('tabs and line breaks inside a value are kept; those between attributes change nothing', () => {
    const rec = (attrs: string) =>
      JUR('a', `<Network${attrs} urwg:metric="total">1</Network><Queue urwg:description="plain words">5</Queue>`);
    const [kept] = parsed(convertOk([wrap(rec(' urwg:description="two\tcolumns,\nthen a line"'))]));
    assert.equal(kept!['Network_description'], 'two\tcolumns,\nthen a line');
    assert.equal(kept!['Queue_description'], 'plain words');
    const [single] = parsed(convertOk([wrap(rec("\n\turwg:description='a\tb c'"))]));
    assert.equal(single!['Network_description'], 'a\tb c');
    // between attributes only: the values as the parser read them
    const [between] = parsed(convertOk([wrap(rec('\n\t\turwg:description="a b"\r\n'))]));
    assert.equal(between!['Network_description'], 'a b');
    assert.equal(between!['Network_metric'], 'total');
  });
});

describe('formats', () => {
  const nsEnvelope = `<RecordEnvelope xmlns:urwg="http://www.gridforum.org/2003/ur-wg"><JobUsageRecord><urwg:RecordIdentity urwg:recordId="n1"/></JobUsageRecord></RecordEnvelope>`;

  test('raw is the record text byte for byte', () => {
    const rec = `<JobUsageRecord >\r\n<Status a = 'x&amp;y'>1</Status></JobUsageRecord>`;
    assert.deepEqual(convertOk([wrap(rec)], 'raw'), [rec]);
  });

  test('xml is a standalone document carrying the envelope\'s namespace declarations', () => {
    const [doc] = convertOk([nsEnvelope], 'xml');
    assert.equal(doc, '<?xml version="1.0" encoding="UTF-8"?>\n<JobUsageRecord xmlns:urwg="http://www.gridforum.org/2003/ur-wg"><urwg:RecordIdentity urwg:recordId="n1"/></JobUsageRecord>');
    // and it parses on its own
    assert.equal(convertOk([doc!]).length, 1);
  });

  test('counts above 2^53 come out digit for digit', () => {
    const [json] = convertOk([wrap('<StorageElementRecord><UniqueID>s</UniqueID><TotalSpace> 18446744073709551615 </TotalSpace><FileCount>9007199254740993</FileCount></StorageElementRecord>')]);
    assert.match(json!, /"TotalSpace":18446744073709551615,/);
    assert.match(json!, /"FileCount":9007199254740993,/);
  });
});

describe('bad input: a clear error naming the record, and nothing emitted', () => {
  const cases: [string, string, RegExp][] = [
    ['malformed XML', wrap(JUR('a'), '<JobUsageRecord><Status>1</Stat></JobUsageRecord>'), /^record 2: malformed XML/],
    ['an undefined entity', wrap(JUR('a', '<Status>&nope;</Status>')), /^record 1 \(a\): malformed XML: .*undefined entity/],
    ['an invalid instant', wrap(JUR('a'), JUR('b', '<EndTime>2020-01-01T00:00:00</EndTime>')), /^record 2 \(b\): EndTime: not an RFC 3339 instant/],
    ['a negative count', wrap('<StorageElementRecord><UniqueID>s1</UniqueID><FreeSpace>-1</FreeSpace></StorageElementRecord>'), /^record 1 \(s1\): FreeSpace: not an unsigned 64-bit count/],
    ['a non-numeric count', wrap('<StorageElementRecord><UniqueID>s1</UniqueID><FileCount>lots</FileCount></StorageElementRecord>'), /FileCount: not an unsigned 64-bit count/],
    ['an overflowing count', wrap('<StorageElementRecord><UniqueID>s1</UniqueID><UsedSpace>18446744073709551616</UsedSpace></StorageElementRecord>'), /UsedSpace: not an unsigned 64-bit count/],
    ['a truncated record', wrap(JUR('a')).slice(0, -40), /^record 1: malformed XML/],
    ['a truncated replication bundle', `replication|${JUR('a')}|x|y|replication|${JUR('b').slice(0, 50)}`, /^record 2: malformed XML/],
    ['a DOCTYPE declaring entities (expansion bomb)', `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><RecordEnvelope>${JUR('x', '<Status>&b;</Status>')}</RecordEnvelope>`, /DOCTYPE that declares entities/],
    ['an external entity', `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><RecordEnvelope>${JUR('x', '<Status>&x;</Status>')}</RecordEnvelope>`, /DOCTYPE that declares entities/],
    ['something that is not a bundle', 'hello world', /not a Gratia bundle/],
    ['an empty bundle', '   ', /empty bundle/],
    ['a replication bundle with a stray token', `replication|${JUR('a')}|x|y|bogus|`, /expected "replication" before record 2/],
  ];
  for (const [name, text, expected] of cases) {
    test(name, () => assert.match(convertError([text]), expected));
  }

  test('invalid UTF-8', () => {
    const [before, after] = wrap(JUR('a', '<Status>@</Status>')).split('@') as [string, string];
    const bytes = Buffer.concat([Buffer.from(before), Buffer.from([0xc3, 0x28]), Buffer.from(after)]);
    assert.match(convertError([bytes]), /^the bundle is not valid UTF-8 \(at or after record 1\)$/);
  });

  test('invalid UTF-8 whatever the chunking: a bad byte, a stray continuation, a sequence cut at the very end', () => {
    const [before, after] = wrap(JUR('a', '<Status>@</Status>')).split('@') as [string, string];
    const rec = (bad: number[]) => Buffer.concat([Buffer.from(before), Buffer.from(bad), Buffer.from(after)]);
    for (const bytes of [rec([0xff]), rec([0x80]), rec([0xe2, 0x82]), rec([0xf0, 0x9d, 0x84])]) {
      for (const size of [1, 2, 3, 1e6]) {
        const chunks: Buffer[] = [];
        for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
        assert.match(convertError(chunks), /not valid UTF-8/, `${bytes.length} bytes in chunks of ${size}`);
      }
    }
    const cutAtEnd = Buffer.concat([Buffer.from(wrap(JUR('a'))), Buffer.from([0xe2, 0x82])]);
    assert.match(convertError([cutAtEnd]), /not valid UTF-8/);
  });

  test('a UTF-8 sequence cut between chunks is fine', () => {
    const text = wrap(JUR('a', '<Status>Ångström ✓ 𝄞</Status>'));
    const [r] = parsed(convertOk(bytesIn(text, 1)));
    assert.equal(r!['Status'], 'Ångström ✓ 𝄞');
  });
});

describe('values', () => {
  test('durations', () => {
    assert.equal(durationSeconds('PT1H2M3.5S'), 3723.5);
    assert.equal(durationSeconds('P1Y2M3DT4H'), 365 * 86400 + 60 * 86400 + 3 * 86400 + 4 * 3600);
    assert.equal(durationSeconds('P2W'), 14 * 86400);
    assert.equal(durationSeconds('-PT5S'), -5);
    assert.equal(durationSeconds(' PT5S '), 5);
    assert.equal(durationSeconds('PT.5S'), 0.5);
    assert.equal(durationSeconds('P1W1D'), 8 * 86400);
    for (const junk of ['', 'P', 'PT', '5', 'PT5', 'P5', 'P1DT', 'P1H', 'P1Y1Y', 'PT1M1H', 'PT.S', 'P1..5D', 'yesterday']) assert.equal(durationSeconds(junk), 0, junk);
  });

  test('instants', () => {
    assert.equal(normaliseInstant('2012-06-05T14:52:19.19Z'), '2012-06-05T14:52:19Z');
    assert.equal(normaliseInstant('2012-06-05T14:52:19+00:00'), '2012-06-05T14:52:19Z');
    assert.equal(normaliseInstant('2012-06-05T14:52:19.999-05:30'), '2012-06-05T14:52:19-05:30');
    assert.equal(normaliseInstant('2000-02-29t00:00:00z'), '2000-02-29T00:00:00Z');
    for (const bad of ['2012-06-05T14:52:19', '2012-06-05 14:52:19Z', '2012-13-05T14:52:19Z', '2013-02-29T00:00:00Z', '2012-06-05T14:52:19.Z', '2012-06-05T14:52:19+0530', '2012-06-05T24:00:00Z', 'yesterday']) {
      assert.equal(normaliseInstant(bad), undefined, bad);
    }
  });
});
