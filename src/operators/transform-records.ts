import { connect, count, filter, map, merge, type MonoTypeOperatorFunction, Observable, type OperatorFunction, Subject, takeUntil } from 'rxjs';
import type { GraccRecord, Handshake } from '../records/gracc-record';
import { type BundleEntry, isHandshake, isRecord } from './flatten';

/**
 * How many records the bundle held as received, before any transform: what `bundlesize`
 * is checked against once transforms may have dropped some. The last entry of a
 * transformed bundle.
 */
export interface ReceivedCount {
  readonly kind: 'received';
  readonly records: number;
}

/**
 * Runs the bundle's records through `transform`; handshakes go around it unchanged; once
 * the bundle ends, a ReceivedCount says how many records came in.
 *
 * ```
 * source: -r--h--s--|
 * result: -r'-h------(c|)    (transform keeps r as r', drops s; c = { kind: 'received', records: 2 })
 * ```
 * An error of the source or of the transform ends the result with it.
 */
export function transformRecords(transform: MonoTypeOperatorFunction<GraccRecord>): OperatorFunction<BundleEntry, BundleEntry | ReceivedCount> {
  return (entries$) => new Observable((subscriber) => {
    // connect subscribes to its source as a Subject, whose subscription it holds only once the
    // subscribe call returns: a synchronous source would be read to its end after a `take`
    // downstream let go. Ending the source when the subscriber goes (a teardown registered
    // before anything is subscribed) stops it at once.
    const released = new Subject<void>();
    subscriber.add(() => released.next());
    return entries$.pipe(
      takeUntil(released),
      connect((shared$) =>
        merge(
          shared$.pipe(filter(isHandshake)),
          shared$.pipe(filter(isRecord<GraccRecord, Handshake>), transform),
          shared$.pipe(count(isRecord), map((records): ReceivedCount => ({ kind: 'received', records }))),
        )),
    ).subscribe(subscriber);
  });
}

export function isReceivedCount<T>(entry: T | ReceivedCount): entry is ReceivedCount {
  return (entry as ReceivedCount).kind === 'received';
}
