import { test } from 'node:test';
import { map } from 'rxjs';
import { format } from '../src/operators/format';
import type { GraccRecord } from '../src/records/gracc-record';
import { marbles } from './marbles';

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
const readable = map((m: { key: string; body: Buffer; contentType: string }) => ({ ...m, body: m.body.toString() }));

test('format json: one compact object, RawXML last, keyed by record id', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-g-g-|', { g: record }).pipe(format('json'), readable)).toBe('-m-m-|', {
      m: {
        key: 'r1',
        contentType: 'application/json',
        body: '{"type":"JobUsageRecord","RecordId":"r1","WallDuration":60,"RawXML":"<urwg:JobUsageRecord><urwg:RecordIdentity urwg:recordId=\\"r1\\"/></urwg:JobUsageRecord>"}',
      },
    });
  });
});

test('format raw: the record text exactly as received', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-g-|', { g: record }).pipe(format('raw'), readable)).toBe('-m-|', {
      m: { key: 'r1', contentType: 'text/xml', body: record.raw },
    });
  });
});

test('format xml: a standalone document, with the envelope\'s namespace declarations on its root', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-g-|', { g: record }).pipe(format('xml'), readable)).toBe('-m-|', {
      m: {
        key: 'r1',
        contentType: 'text/xml',
        body: '<?xml version="1.0" encoding="UTF-8"?>\n<urwg:JobUsageRecord xmlns:urwg="http://www.gridforum.org/2003/ur-wg"><urwg:RecordIdentity urwg:recordId="r1"/></urwg:JobUsageRecord>',
      },
    });
  });
});

test('format: errors pass through; unsubscription releases the source', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    expectObservable(cold<GraccRecord>('--#').pipe(format('json'))).toBe('--#');
    const source = cold('-g-g-|', { g: record });
    expectObservable(source.pipe(format('raw'), map(() => 'x')), '^--!').toBe('-x--');
    expectSubscriptions(source.subscriptions).toBe('^--!');
  });
});
