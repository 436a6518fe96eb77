import { test } from 'node:test';
import assert from 'node:assert/strict';
import { map, of } from 'rxjs';
import type { RecordAddressing } from '../src/contracts/sink';
import { type FormattedEntry, format, messageFor, type Outlet } from '../src/operators/format';
import { RecordError } from '../src/records/record-error';
import type { Format } from '../src/records/formats';
import type { Handshake } from '../src/records/gracc-record';
import type { GraccRecord } from '../src/records/gracc-record';
import { cutShort, marbles } from './marbles';

const record: GraccRecord = {
  index: 0,
  type: 'JobUsageRecord',
  id: 'r1',
  fields: {
    type: 'JobUsageRecord', RecordId: 'r1', WallDuration: 60,
    RawXML: '<urwg:JobUsageRecord><urwg:RecordIdentity urwg:recordId="r1"/></urwg:JobUsageRecord>',
  },
  exactCounts: false,
  raw: '<urwg:JobUsageRecord><urwg:RecordIdentity urwg:recordId="r1"/></urwg:JobUsageRecord>',
  inheritedNamespaces: { 'xmlns:urwg': 'http://www.gridforum.org/2003/ur-wg' },
};
/** The message a sink taking `fmt` would publish, its body as text. */
const readable = (fmt: Format) => map((e: FormattedEntry) => {
  if ('kind' in e) return e;
  const m = messageFor(e, fmt);
  return { ...m, body: m.body.toString() };
});
const JSON_BODY = '{"type":"JobUsageRecord","RecordId":"r1","WallDuration":60,"RawXML":"<urwg:JobUsageRecord><urwg:RecordIdentity urwg:recordId=\\"r1\\"/></urwg:JobUsageRecord>"}';
const handshake: Handshake = { kind: 'handshake', index: 1 };
/** Sinks taking these formats, none addressing records by their fields. */
const outlets = (...formats: Format[]): Outlet[] => formats.map((f) => ({ format: f }));
/** A sink whose routing key is `<type>.<WallDuration>`. */
const byType: RecordAddressing = { address: (m, r) => ({ ...m, destination: `${r.fields['type']}.${r.fields['WallDuration']}` }) };

test('format json: one compact object, RawXML last, keyed by record id; handshakes pass through', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-g-h-g-|', { g: record, h: handshake }).pipe(format(outlets('json')), readable('json'))).toBe('-m-h-m-|', {
      m: { key: 'r1', contentType: 'application/json', body: JSON_BODY },
      h: handshake,
    });
  });
});

test('format raw: the record text exactly as received', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-g-|', { g: record }).pipe(format(outlets('raw')), readable('raw'))).toBe('-m-|', {
      m: { key: 'r1', contentType: 'text/xml', body: record.raw },
    });
  });
});

test('format xml: a standalone document, with the envelope\'s namespace declarations on its root', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-g-|', { g: record }).pipe(format(outlets('xml')), readable('xml'))).toBe('-m-|', {
      m: {
        key: 'r1',
        contentType: 'text/xml',
        body: '<?xml version="1.0" encoding="UTF-8"?>\n<urwg:JobUsageRecord xmlns:urwg="http://www.gridforum.org/2003/ur-wg"><urwg:RecordIdentity urwg:recordId="r1"/></urwg:JobUsageRecord>',
      },
    });
  });
});

test('format: each format written once, whatever the number of sinks taking it; only those asked for', () => {
  marbles().run(({ cold, expectObservable }) => {
    const written = cold('-g-|', { g: record }).pipe(
      format(outlets('json', 'raw', 'json')),
      map((e) => {
        if ('kind' in e) return e;
        return { formats: Object.keys(e.messages).join(','), index: e.index, id: e.id, type: e.type };
      }),
    );
    expectObservable(written).toBe('-f-|', { f: { formats: 'json,raw', index: 0, id: 'r1', type: 'JobUsageRecord' } });
  });
});

test('format: a sink that addresses records by their fields gets its own message, rendered while the fields exist; the others share theirs', () => {
  const sinks: Outlet[] = [{ format: 'json' }, { format: 'json', addressing: byType }, { format: 'raw', addressing: byType }];
  const seen: FormattedEntry[] = [];
  format(sinks)(of(record, handshake)).subscribe((e) => void seen.push(e));
  const [e, h] = seen;
  assert.equal(h, handshake);
  assert.ok(e && !('kind' in e));
  const [plain, routed, raw] = [messageFor(e, 'json', 0), messageFor(e, 'json', 1), messageFor(e, 'raw', 2)];
  assert.equal(plain, e.messages.json, 'the constant sink publishes the shared message');
  assert.equal(plain.destination, undefined);
  assert.deepEqual([routed.destination, routed.key, routed.contentType], ['JobUsageRecord.60', 'r1', 'application/json']);
  assert.equal(routed.body, plain.body, 'the body is written once, shared');
  assert.deepEqual([raw.destination, raw.body.toString()], ['JobUsageRecord.60', record.raw]);
  assert.equal(messageFor(e, 'json'), plain, 'without a position: the shared message');
});

test('format: a record its sink cannot address errors the stream with that RecordError', () => {
  const refuse: RecordAddressing = { address: (_m, r) => { throw RecordError.at(r.index, r.id, 'no route'); } };
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-g-g-|', { g: record }).pipe(format([{ format: 'json', addressing: refuse }]))).toBe('-#', undefined, RecordError.at(0, 'r1', 'no route'));
  });
});

test('messageFor: a format the record was not written in is a programming error, named', () => {
  let caught: Error | undefined;
  format(outlets('json'))(of(record)).subscribe((e) => {
    if (!('kind' in e)) {
      try {
        messageFor(e, 'xml');
      } catch (err) {
        caught = err as Error;
      }
    }
  });
  assert.match(caught?.message ?? '', /record #0 was not written as xml/);
});

test('format: errors pass through; unsubscription releases the source', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    expectObservable(cold<GraccRecord>('--#').pipe(format(outlets('json')))).toBe('--#');
    const source = cold('-g-g-|', { g: record });
    expectObservable(source.pipe(format(outlets('raw')), map(() => 'x')), '^--!').toBe('-x--');
    expectSubscriptions(source.subscriptions).toBe('^--!');
  });
});

test('format: a synchronous source cut short by take is read no further', () => {
  const { out, read } = cutShort([record, { ...record, index: 1 }, { ...record, index: 2 }], format(outlets('json')), 2);
  assert.deepEqual([out.length, read], [2, 2]);
});
