import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SinkError } from '../src/contracts/sink';
import { confirmTimeout } from '../src/operators/confirm-timeout';
import { cutShort, marbles, recordingSinkMetrics } from './marbles';

test('confirmTimeout: a confirm in time passes', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('--(c|)').pipe(confirmTimeout(5, 'amqp'))).toBe('--(c|)');
  });
});

test('confirmTimeout: a late confirm becomes a timeout failure, and the publish is released', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    const confirm = cold('-------(c|)');
    expectObservable(confirm.pipe(confirmTimeout(3, 'kafka'))).toBe('---#', undefined,
      new SinkError('kafka', 'timeout', 'no confirm within 3 ms'));
    expectSubscriptions(confirm.subscriptions).toBe('^--!');
  });
});

test('confirmTimeout: errors pass through; unsubscription releases the source', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    expectObservable(cold('-#').pipe(confirmTimeout(3, 'amqp'))).toBe('-#');
    const confirm = cold('-----c|');
    expectObservable(confirm.pipe(confirmTimeout(9, 'amqp')), '^-!').toBe('---');
    expectSubscriptions(confirm.subscriptions).toBe('^-!');
  });
});

test('confirmTimeout: a synchronous source cut short by take is read no further', () => {
  const { out, read } = cutShort(['a', 'b', 'c'], confirmTimeout<string>(1000, 'amqp'), 2);
  assert.deepEqual([out, read], [['a', 'b'], 2]);
});

test('confirmTimeout: reports a timeout for its sink, and nothing for a confirm in time or an error passed through', () => {
  const metrics = recordingSinkMetrics();
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('-------(c|)').pipe(confirmTimeout(3, 'kafka', undefined, metrics))).toBe('---#', undefined,
      new SinkError('kafka', 'timeout', 'no confirm within 3 ms'));
    expectObservable(cold('--(c|)').pipe(confirmTimeout(5, 'amqp', undefined, metrics))).toBe('--(c|)');
    expectObservable(cold('-#').pipe(confirmTimeout(3, 'amqp', undefined, metrics))).toBe('-#');
  });
  assert.deepEqual(metrics.reports, ['failed:kafka:timeout']);
});
