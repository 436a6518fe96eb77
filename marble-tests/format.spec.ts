import { test } from 'node:test';
import assert from 'node:assert/strict';
import { map, of } from 'rxjs';
import { type FormattedEntry, format, messageFor } from '../src/operators/format';
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

test('format json: one compact object, RawXML last, keyed by record id; handshakes pass through', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-g-h-g-|', { g: record, h: handshake }).pipe(format(['json']), readable('json'))).toBe('-m-h-m-|', {
      m: { key: 'r1', contentType: 'application/json', body: JSON_BODY },
      h: handshake,
    });
  });
});

test('format raw: the record text exactly as received', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-g-|', { g: record }).pipe(format(['raw']), readable('raw'))).toBe('-m-|', {
      m: { key: 'r1', contentType: 'text/xml', body: record.raw },
    });
  });
});

test('format xml: a standalone document, with the envelope\'s namespace declarations on its root', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-g-|', { g: record }).pipe(format(['xml']), readable('xml'))).toBe('-m-|', {
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
      format(['json', 'raw', 'json']),
      map((e) => {
        if ('kind' in e) return e;
        return { formats: Object.keys(e.messages).join(','), index: e.index, id: e.id, type: e.type };
      }),
    );
    expectObservable(written).toBe('-f-|', { f: { formats: 'json,raw', index: 0, id: 'r1', type: 'JobUsageRecord' } });
  });
});

test('messageFor: a format the record was not written in is a programming error, named', () => {
  let caught: Error | undefined;
  format(['json'])(of(record)).subscribe((e) => {
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
    expectObservable(cold<GraccRecord>('--#').pipe(format(['json']))).toBe('--#');
    const source = cold('-g-g-|', { g: record });
    expectObservable(source.pipe(format(['raw']), map(() => 'x')), '^--!').toBe('-x--');
    expectSubscriptions(source.subscriptions).toBe('^--!');
  });
});

test('format: a synchronous source cut short by take is read no further', () => {
  const { out, read } = cutShort([record, { ...record, index: 1 }, { ...record, index: 2 }], format(['json']), 2);
  assert.deepEqual([out.length, read], [2, 2]);
});
