import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldValue } from '../src/operators/field-value';
import type { FormPiece } from '../src/records/urlencoded-form';
import { cutShort, marbles } from './marbles';

const piece = (name: string, text: string): FormPiece => ({ name, bytes: Buffer.from(text) });
const pieces = { c: piece('command', 'update'), a: piece('arg1', ''), x: piece('arg1', '<R>'), y: piece('arg1', '</R>'), f: piece('from', 'probe') };

test('fieldValue: the field\'s pieces, complete when the next field begins', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-c-a-x-y-f-c-|', pieces);
    expectObservable(source.pipe(fieldValue('arg1'))).toBe('---a-x-y-|', pieces);
    expectSubscriptions(source.subscriptions).toBe('^--------!');
  });
});

test('fieldValue: the field last in the form completes with it; a form without it gives nothing', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-c-a-x-|', pieces).pipe(fieldValue('arg1'))).toBe('---a-x-|', pieces);
    expectObservable(cold('-c-f-|', pieces).pipe(fieldValue('arg1'))).toBe('-----|');
  });
});

test('fieldValue: errors pass through; unsubscription releases the source', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    expectObservable(cold('-a-x-#', pieces).pipe(fieldValue('arg1'))).toBe('-a-x-#', pieces);
    expectObservable(cold('-c-#', pieces).pipe(fieldValue('arg1'))).toBe('---#');
    const source = cold('-a-x-y-|', pieces);
    expectObservable(source.pipe(fieldValue('arg1')), '^--!').toBe('-a-', pieces);
    expectSubscriptions(source.subscriptions).toBe('^--!');
  });
});

test('fieldValue: a synchronous source cut short by take is read no further than it must', () => {
  const { out, read } = cutShort([pieces.c, pieces.a, pieces.x, pieces.y, pieces.f], fieldValue('arg1'), 2);
  assert.deepEqual(out, [pieces.a, pieces.x]);
  assert.equal(read, 3);
  // and the next field ends it without reading further
  const rest = cutShort([pieces.a, pieces.f, pieces.c, pieces.c], fieldValue('arg1'), 5);
  assert.deepEqual([rest.out, rest.read, rest.completed], [[pieces.a], 2, true]);
});
