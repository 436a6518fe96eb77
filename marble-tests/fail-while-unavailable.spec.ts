import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BehaviorSubject, type Observable } from 'rxjs';
import { SinkError } from '../src/contracts/sink';
import { failWhileUnavailable } from '../src/operators/fail-while-unavailable';
import { cutShort, marbles } from './marbles';

// A sink's unavailable$ replays its current state to each subscriber, as a BehaviorSubject does.
function current(changes: Observable<string | null>): Observable<string | null> {
  const state = new BehaviorSubject<string | null>(null);
  changes.subscribe((s) => state.next(s));
  return state;
}

const states = { n: null, b: 'blocked by the broker: low on memory', d: 'not connected to amqp://localhost:5672' };

test('failWhileUnavailable: a ready sink lets the bundle through', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    const unavailable$ = new BehaviorSubject<string | null>(null);
    const bundle = cold('-a-b-|');
    expectObservable(bundle.pipe(failWhileUnavailable({ name: 'amqp', unavailable$ }))).toBe('-a-b-|');
    expectSubscriptions(bundle.subscriptions).toBe('^----!');
  });
});

test('failWhileUnavailable: a blocked sink fails the bundle at once, never subscribing it', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    const unavailable$ = new BehaviorSubject<string | null>(states.b);
    const bundle = cold('-a-b-|');
    expectObservable(bundle.pipe(failWhileUnavailable({ name: 'amqp', unavailable$ }))).toBe('#', undefined,
      new SinkError('amqp', 'blocked', states.b));
    expectSubscriptions(bundle.subscriptions).toBe([]);
  });
});

test('failWhileUnavailable: a disconnected sink fails as down; its state is read when the bundle comes', () => {
  marbles().run(({ cold, hot, expectObservable }) => {
    const unavailable$ = current(hot('---d--n---', states));
    const bundle = cold('-a|');
    expectObservable(bundle.pipe(failWhileUnavailable({ name: 'kafka', unavailable$ })), '----^').toBe('----#', undefined,
      new SinkError('kafka', 'down', states.d));
    expectObservable(bundle.pipe(failWhileUnavailable({ name: 'kafka', unavailable$ })), '-------^').toBe('--------a|');
  });
});

test('failWhileUnavailable: source errors pass through; unsubscription releases the source', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    const unavailable$ = new BehaviorSubject<string | null>(null);
    expectObservable(cold('-#').pipe(failWhileUnavailable({ name: 'amqp', unavailable$ }))).toBe('-#');
    const bundle = cold('-a-b-|');
    expectObservable(bundle.pipe(failWhileUnavailable({ name: 'amqp', unavailable$ })), '^-!').toBe('-a-');
    expectSubscriptions(bundle.subscriptions).toBe('^-!');
  });
});

test('failWhileUnavailable: a synchronous source cut short by take is read no further', () => {
  const sink = { name: 'amqp', unavailable$: new BehaviorSubject<string | null>(null) };
  const { out, read } = cutShort(['a', 'b', 'c'], failWhileUnavailable<string>(sink), 2);
  assert.deepEqual([out, read], [['a', 'b'], 2]);
});
