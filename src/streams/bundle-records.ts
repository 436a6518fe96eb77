import { filter, type Observable, pipe, type OperatorFunction } from 'rxjs';
import { type BundleEntry, flatten, isHandshake } from '../operators/flatten';
import { split } from '../operators/split';
import { validateAll } from '../operators/validate-all';
import type { GraccRecord } from '../records/gracc-record';

/**
 * Bundle chunks → every entry of the bundle (records and handshakes), emitted only once the
 * whole bundle has been read and mapped without error.
 */
export function bundleEntries(): OperatorFunction<Uint8Array | string, BundleEntry> {
  return pipe(split(), flatten(), validateAll());
}

/** Only the records to publish, handshakes left out. */
export function recordsOf(entries: Observable<BundleEntry>): Observable<GraccRecord> {
  return entries.pipe(filter((e): e is GraccRecord => !isHandshake(e)));
}
