import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BehaviorSubject, concat, map, type Observable, pipe, toArray } from 'rxjs';
import type { RunHelpers } from 'rxjs/internal/testing/TestScheduler';
import { type OutboundMessage, SinkError } from '../src/contracts/sink';
import { confirmTimeout } from '../src/operators/confirm-timeout';
import { failWhileUnavailable } from '../src/operators/fail-while-unavailable';
import { fanOut } from '../src/operators/fan-out';
import { type Confirmed, publishWithConfirm } from '../src/operators/publish-with-confirm';
import { cutShort, marbles } from './marbles';

interface FakeSink {
  name: string;
  unavailable$: Observable<string | null>;
  /** The marble of the sink's confirm for a bundle. */
  confirm: string;
  error?: SinkError;
}

const msg = (key: string): OutboundMessage => ({ key, body: Buffer.from(key), contentType: 'text/xml' });
const bundle = { B: [msg('r1'), msg('r2')] };

/** Each sink's pipeline as the collector builds it: fail fast when unavailable, publish with confirm, time out. */
function pipelineFor(helpers: RunHelpers, timeoutMs: number) {
  return (sink: FakeSink) => {
    const publisher = { name: sink.name, publish: () => helpers.cold<never>(sink.confirm, undefined, sink.error) };
    return pipe(failWhileUnavailable<OutboundMessage>(sink), publishWithConfirm(publisher), confirmTimeout<Confirmed>(timeoutMs, sink.name));
  };
}

const ready = () => new BehaviorSubject<string | null>(null);

test('fanOut: every sink gets the bundle in parallel; all confirm → one emission with every result', () => {
  marbles().run((helpers) => {
    const { cold, expectObservable } = helpers;
    const sinks: FakeSink[] = [
      { name: 'amqp', unavailable$: ready(), confirm: '--(c|)' },
      { name: 'kafka', unavailable$: ready(), confirm: '----(c|)' },
    ];
    expectObservable(cold('-B-|', bundle).pipe(fanOut(sinks, pipelineFor(helpers, 10)))).toBe('-----(x|)', { x: [{ sink: 'amqp', records: 2 }, { sink: 'kafka', records: 2 }] });
  });
});

test('fanOut: one sink fails → the bundle fails naming it, the other is released', () => {
  marbles().run((helpers) => {
    const { cold, expectObservable } = helpers;
    const nack = new SinkError('kafka', 'error', 'broker said no');
    const sinks: FakeSink[] = [
      { name: 'amqp', unavailable$: ready(), confirm: '------(c|)' },
      { name: 'kafka', unavailable$: ready(), confirm: '--#', error: nack },
    ];
    expectObservable(cold('-B-|', bundle).pipe(fanOut(sinks, pipelineFor(helpers, 10)))).toBe('---#', undefined, nack);
  });
});

test('fanOut: one sink slow past the timeout → timeout failure naming it', () => {
  marbles().run((helpers) => {
    const { cold, expectObservable } = helpers;
    const sinks: FakeSink[] = [
      { name: 'amqp', unavailable$: ready(), confirm: '-(c|)' },
      { name: 'kafka', unavailable$: ready(), confirm: '--------(c|)' },
    ];
    expectObservable(cold('-B-|', bundle).pipe(fanOut(sinks, pipelineFor(helpers, 4)))).toBe('-----#', undefined,
      new SinkError('kafka', 'timeout', 'no confirm within 4 ms'));
  });
});

test('fanOut: one sink blocked → fails at once', () => {
  marbles().run((helpers) => {
    const { cold, expectObservable } = helpers;
    const sinks: FakeSink[] = [
      { name: 'amqp', unavailable$: new BehaviorSubject<string | null>('blocked by the broker: low on memory'), confirm: '--(c|)' },
      { name: 'kafka', unavailable$: ready(), confirm: '--(c|)' },
    ];
    expectObservable(cold('-B-|', bundle).pipe(fanOut(sinks, pipelineFor(helpers, 10)))).toBe('-#', undefined,
      new SinkError('amqp', 'blocked', 'blocked by the broker: low on memory'));
  });
});

test('fanOut: no sinks → the bundle succeeds with no results; unsubscription releases all', () => {
  marbles().run((helpers) => {
    const { cold, expectObservable, expectSubscriptions } = helpers;
    expectObservable(cold('-B-|', bundle).pipe(fanOut([], pipelineFor(helpers, 10)))).toBe('-x-|', { x: [] });
    const source = cold('-B-|', bundle);
    const sinks: FakeSink[] = [{ name: 'amqp', unavailable$: ready(), confirm: '-----(c|)' }];
    expectObservable(source.pipe(fanOut(sinks, pipelineFor(helpers, 10))), '^--!').toBe('----');
    expectSubscriptions(source.subscriptions).toBe('^--!');
  });
});

test('fanOut: each sink takes the bundle once; a second take errors instead of publishing nothing', () => {
  marbles().run((helpers) => {
    const { cold, expectObservable } = helpers;
    const sinks = ['a', 'b'];
    const taken = (name: string) => pipe(toArray<OutboundMessage>(), map((ms) => `${name}:${ms.map((m) => m.key).join('+')}`));
    expectObservable(cold('-B-|', bundle).pipe(fanOut(sinks, taken))).toBe('-x-|', { x: ['a:r1+r2', 'b:r1+r2'] });
    // a sink pipeline that subscribes twice (a retry, say) gets the bundle the first time only
    const twice = (name: string) => (values: Observable<OutboundMessage>) => concat(values.pipe(taken(name)), values.pipe(taken(name)));
    expectObservable(cold('-B-|', bundle).pipe(fanOut(['a'], twice))).toBe('-#', undefined, new Error('fanOut: the bundle was already handed out to every sink'));
  });
});

test('fanOut: a synchronous source of bundles cut short by take is read no further', () => {
  const toSink = (name: string) => map((m: OutboundMessage) => `${name}:${m.key}`);
  const { out, read } = cutShort([[msg('a')], [msg('b')], [msg('c')]], fanOut(['s1', 's2'], toSink), 2);
  assert.deepEqual([out, read], [[['s1:a', 's2:a'], ['s1:b', 's2:b']], 2]);
});
