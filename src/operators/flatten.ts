import { map, type OperatorFunction } from 'rxjs';
import type { BundleItem } from '../records/bundle-item';
import type { GraccRecord, Handshake } from '../records/gracc-record';
import { mapRecord } from '../records/map-record';

export type BundleEntry = GraccRecord | Handshake;

export function isHandshake<R>(entry: R | Handshake): entry is Handshake {
  return (entry as Handshake).kind === 'handshake';
}

/** A record, not one of the entries that carry a `kind` (a handshake, a transformed bundle's ReceivedCount). */
export function isRecord<R, O extends { readonly kind: string }>(entry: R | O): entry is R {
  return (entry as { kind?: unknown }).kind === undefined;
}

/**
 * Maps each split record to its GRACC raw record; handshakes pass through unchanged.
 *
 * ```
 * source: -r--h--r--|
 * result: -g--h--g--|      (g = mapRecord(r))
 * ```
 * An invalid value (a bad instant, a bad count) errors with a RecordError naming the record.
 */
export function flatten(): OperatorFunction<BundleItem, BundleEntry> {
  return map((item) => (item.kind === 'record' ? mapRecord(item) : item));
}
