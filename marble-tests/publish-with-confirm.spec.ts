import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMPTY, type Observable } from 'rxjs';
import { type OutboundMessage, SinkError } from '../src/contracts/sink';
import { publishWithConfirm } from '../src/operators/publish-with-confirm';
import { cutShort, marbles, recordingSinkMetrics } from './marbles';

const msg = (key: string): OutboundMessage => ({ key, body: Buffer.from(key), contentType: 'application/json' });
const messages = { a: msg('a'), b: msg('b') };

/** A sink whose publish behaves as the given cold observable, recording what it was sent. */
function sinkThat(confirm: () => Observable<never>, sent: OutboundMessage[][] = []) {
  return { name: 'amqp', sent, publish: (batch: readonly OutboundMessage[]) => (sent.push([...batch]), confirm()) };
}

test('publishWithConfirm: the whole bundle goes out as one batch; emits once it is confirmed', () => {
  marbles().run(({ cold, expectObservable, flush }) => {
    const sink = sinkThat(() => cold<never>('----|'));
    expectObservable(cold('-a-b-|', messages).pipe(publishWithConfirm(sink))).toBe('---------(c|)', { c: { sink: 'amqp', records: 2 } });
    flush();
    if (sink.sent.length !== 1 || sink.sent[0]!.length !== 2) throw new Error(`sent ${JSON.stringify(sink.sent)}`);
  });
});

test('publishWithConfirm: a nack fails the bundle', () => {
  marbles().run(({ cold, expectObservable }) => {
    const nack = new SinkError('amqp', 'nack', '1 of 2 messages nacked');
    const sink = sinkThat(() => cold<never>('--#', undefined, nack));
    expectObservable(cold('-a-b-|', messages).pipe(publishWithConfirm(sink))).toBe('-------#', undefined, nack);
  });
});

test('publishWithConfirm: a returned (unroutable) message fails the bundle', () => {
  marbles().run(({ cold, expectObservable }) => {
    const returned = new SinkError('amqp', 'returned', 'message returned: NO_ROUTE');
    const sink = sinkThat(() => cold<never>('-#', undefined, returned));
    expectObservable(cold('-a|', messages).pipe(publishWithConfirm(sink))).toBe('---#', undefined, returned);
  });
});

test('publishWithConfirm: an empty bundle is still published (and confirmed) as an empty batch', () => {
  marbles().run(({ cold, expectObservable }) => {
    const sink = sinkThat(() => cold<never>('|'));
    expectObservable(cold<OutboundMessage>('--|').pipe(publishWithConfirm(sink))).toBe('--(c|)', { c: { sink: 'amqp', records: 0 } });
  });
});

test('publishWithConfirm: an error before the bundle is whole publishes nothing', () => {
  marbles().run(({ cold, expectObservable, flush }) => {
    const sink = sinkThat(() => cold<never>('|'));
    expectObservable(cold('-a-#', messages).pipe(publishWithConfirm(sink))).toBe('---#');
    flush();
    if (sink.sent.length !== 0) throw new Error('published from a failed bundle');
  });
});

test('publishWithConfirm: unsubscribing (a timeout) releases the pending confirm', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    const confirm = cold<never>('------|');
    const sink = sinkThat(() => confirm);
    expectObservable(cold('-a|', messages).pipe(publishWithConfirm(sink)), '^----!').toBe('------');
    expectSubscriptions(confirm.subscriptions).toBe('--^--!');
  });
});

test('publishWithConfirm: a synchronous source cut short by take: the whole bundle is published once', () => {
  const sent: OutboundMessage[][] = [];
  const sink = { name: 'amqp', publish: (batch: readonly OutboundMessage[]) => (sent.push([...batch]), EMPTY) };
  const { out, read, completed } = cutShort([msg('a'), msg('b'), msg('c')], publishWithConfirm(sink), 1);
  assert.deepEqual([out, read, completed, sent.length], [[{ sink: 'amqp', records: 3 }], 3, true, 1]);
});

test('publishWithConfirm: reports the bundle published, then confirmed with the time the sink took', () => {
  const metrics = recordingSinkMetrics();
  const scheduler = marbles();
  scheduler.run(({ cold, expectObservable, flush }) => {
    const sink = sinkThat(() => cold<never>('----|'));
    expectObservable(cold('-a-b-|', messages).pipe(publishWithConfirm(sink, metrics, scheduler))).toBe('---------(c|)', { c: { sink: 'amqp', records: 2 } });
    flush();
  });
  assert.deepEqual(metrics.reports, ['published:amqp:2', 'confirmed:amqp:2:0.004s']);
});

test('publishWithConfirm: reports a failed bundle by its failure; an unsubscribed one is neither confirmed nor failed', () => {
  const metrics = recordingSinkMetrics();
  const scheduler = marbles();
  scheduler.run(({ cold, expectObservable }) => {
    const nack = new SinkError('amqp', 'nack', 'nacked');
    expectObservable(cold('-a|', messages).pipe(publishWithConfirm(sinkThat(() => cold<never>('--#', undefined, nack)), metrics, scheduler)))
      .toBe('----#', undefined, nack);
    const other = new Error('not a SinkError');
    expectObservable(cold('-a|', messages).pipe(publishWithConfirm(sinkThat(() => cold<never>('-#', undefined, other)), metrics, scheduler)))
      .toBe('---#', undefined, other);
    expectObservable(cold('-a|', messages).pipe(publishWithConfirm(sinkThat(() => cold<never>('------|')), metrics, scheduler)), '^---!').toBe('-----');
  });
  assert.deepEqual(metrics.reports, ['published:amqp:1', 'published:amqp:1', 'published:amqp:1', 'failed:amqp:error', 'failed:amqp:nack']);
});
