import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import { Observable, type OperatorFunction, take } from 'rxjs';
import type { SinkMetrics } from '../src/contracts/sink-metrics';

/** A TestScheduler that compares with node:assert, for the marble specs. */
export function marbles(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));
}

/**
 * Runs `operator` over a synchronous source of `values`, cut short by `take(n)`: what came
 * out, and how many values the source was made to give. An operator that stays subscribed
 * to a synchronous source after its subscriber left reads it to the end.
 */
export function cutShort<T, R>(values: readonly T[], operator: OperatorFunction<T, R>, n: number): { out: R[]; read: number; completed: boolean } {
  let read = 0;
  const source = new Observable<T>((subscriber) => {
    for (const value of values) {
      if (subscriber.closed) return;
      read++;
      subscriber.next(value);
    }
    subscriber.complete();
  });
  const out: R[] = [];
  let completed = false;
  source.pipe(operator, take(n)).subscribe({ next: (v) => void out.push(v), complete: () => void (completed = true) });
  return { out, read, completed };
}

/** A SinkMetrics that writes down every report, as `what:sink:detail` strings. */
export function recordingSinkMetrics(): SinkMetrics & { readonly reports: string[] } {
  const reports: string[] = [];
  return {
    reports,
    published: (sink, records) => void reports.push(`published:${sink}:${records}`),
    confirmed: (sink, records, seconds) => void reports.push(`confirmed:${sink}:${records}:${seconds}s`),
    failed: (sink, failure) => void reports.push(`failed:${sink}:${failure}`),
    refused: (sink, how, count) => void reports.push(`refused:${sink}:${how}:${count}`),
    reconnected: (sink) => void reports.push(`reconnected:${sink}`),
    state: (sink, state) => void reports.push(`state:${sink}:${state}`),
  };
}
