import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InFlightBudget } from '../src/io/in-flight-budget';
import { withinBudget } from '../src/operators/within-budget';
import { Overloaded } from '../src/contracts/request-errors';
import { cutShort, marbles } from './marbles';

const chunks = { a: Buffer.from('aaaa'), b: Buffer.from('bbbb') };
const overloaded = () => new Overloaded('too many bundle bytes in flight');

test('withinBudget: chunks that fit pass; the bytes are given back on completion', () => {
  const budget = new InFlightBudget(10);
  marbles().run(({ cold, expectObservable, flush }) => {
    expectObservable(cold('-a--b--|', chunks).pipe(withinBudget(budget, overloaded))).toBe('-a--b--|', chunks);
    flush();
  });
  assert.equal(budget.inUse, 0);
});

test('withinBudget: a chunk over the shared budget errors; what was taken is given back', () => {
  const budget = new InFlightBudget(10);
  budget.tryTake(4); // another request's bundle
  marbles().run(({ cold, expectObservable, expectSubscriptions, flush }) => {
    const source = cold('-a--b--|', chunks);
    expectObservable(source.pipe(withinBudget(budget, overloaded))).toBe('-a--#', chunks, overloaded());
    expectSubscriptions(source.subscriptions).toBe('^---!');
    flush();
  });
  assert.equal(budget.inUse, 4);
});

test('withinBudget: while a request holds bytes, they count for the others', () => {
  const budget = new InFlightBudget(10);
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a------|', chunks).pipe(withinBudget(budget, overloaded))).toBe('-a------|', chunks);
    expectObservable(cold('--a-b-|', chunks).pipe(withinBudget(budget, overloaded))).toBe('--a-#', chunks, overloaded());
  });
  assert.equal(budget.inUse, 0);
});

test('withinBudget: source errors and unsubscription give the bytes back', () => {
  const budget = new InFlightBudget(10);
  marbles().run(({ cold, expectObservable, expectSubscriptions, flush }) => {
    expectObservable(cold('-a-#', chunks).pipe(withinBudget(budget, overloaded))).toBe('-a-#', chunks);
    const source = cold('-a--b--|', chunks);
    expectObservable(source.pipe(withinBudget(budget, overloaded)), '^-!').toBe('-a-', chunks);
    expectSubscriptions(source.subscriptions).toBe('^-!');
    flush();
  });
  assert.equal(budget.inUse, 0);
});

test('withinBudget: a synchronous source cut short by take is read no further, and its bytes are given back', () => {
  const budget = new InFlightBudget(100);
  const chunk = () => Buffer.from('abcd');
  const { out, read } = cutShort([chunk(), chunk(), chunk(), chunk()], withinBudget(budget, () => new Overloaded('full')), 2);
  assert.deepEqual([out.length, read, budget.inUse], [2, 2, 0]);
});
