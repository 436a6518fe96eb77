import { test } from 'node:test';
import { SinkError } from '../src/contracts/sink';
import { toAnswer } from '../src/operators/to-answer';
import { RecordError } from '../src/records/record-error';
import { answerFor } from '../src/contracts/answer';
import { BodyTooLarge, Overloaded, RequestError } from '../src/contracts/request-errors';
import { cutShort, marbles } from './marbles';
import assert from 'node:assert/strict';

test('toAnswer: success is 200 OK', () => {
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('---v|').pipe(toAnswer())).toBe('----(o|)', { o: { status: 200, body: 'OK' } });
  });
});

test('toAnswer: an error becomes its answer, and completes', () => {
  const e = new SinkError('amqp', 'nack', 'nacked');
  marbles().run(({ cold, expectObservable }) => {
    expectObservable(cold('--#', undefined, e).pipe(toAnswer())).toBe('--(a|)', { a: { status: 503, body: 'Error: amqp: nacked', error: e } });
  });
});

test('toAnswer: unsubscription releases the source', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('----v|');
    expectObservable(source.pipe(toAnswer()), '^-!').toBe('---');
    expectSubscriptions(source.subscriptions).toBe('^-!');
  });
});

test('answerFor: each failure maps to the status and body the senders expect', () => {
  const cases: [Error, number, string][] = [
    [new RequestError('Unknown Command: frobnicate'), 400, 'Error: Unknown Command: frobnicate'],
    [new RequestError('missing field: from'), 400, 'Error: missing field: from'],
    [RecordError.at(2, 'r3', 'EndTime: bad'), 400, 'Error: record 3 (r3): EndTime: bad'],
    [new BodyTooLarge(10), 413, 'Error: request body larger than 10 bytes'],
    [new SinkError('kafka', 'timeout', 'no confirm within 5 ms'), 503, 'Error: kafka: no confirm within 5 ms'],
    [new Overloaded('too many bundle bytes in flight'), 503, 'Error: too many bundle bytes in flight'],
    [new TypeError('boom'), 500, 'Error: boom'],
  ];
  for (const [e, status, body] of cases) assert.deepEqual([answerFor(e).status, answerFor(e).body], [status, body], e.message);
});

test('toAnswer: a synchronous source cut short by take: one answer, once the source is over', () => {
  const { out, read, completed } = cutShort(['a', 'b', 'c'], toAnswer<string>(), 1);
  assert.deepEqual([out, read, completed], [[{ status: 200, body: 'OK' }], 3, true]);
});
