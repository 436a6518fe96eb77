import { filter, map, type Observable, pipe, type OperatorFunction } from 'rxjs';
import type { OutboundMessage } from '../contracts/sink';
import { flatten, isRecord } from '../operators/flatten';
import { format, type FormattedEntry, type FormattedRecord, messageFor, type Outlet } from '../operators/format';
import { split } from '../operators/split';
import { transformRecords } from '../operators/transform-records';
import { validateAll } from '../operators/validate-all';
import type { Format } from '../records/formats';
import type { Transform } from '../transforms/transform';

/**
 * Bundle chunks → every entry of the bundle (records, through the transforms, written in
 * each of the outlets' formats and addressed as each outlet addresses them, handshakes, and
 * with transforms the count of records received), emitted only once the whole bundle has
 * been read and mapped without error. Without transforms the path holds no operator for them.
 */
export function bundleEntries(outlets: readonly Outlet[], transforms?: Transform): OperatorFunction<Uint8Array | string, FormattedEntry> {
  return transforms === undefined
    ? pipe(split(), flatten(), format(outlets), validateAll())
    : pipe(split(), flatten(), transformRecords(transforms), format(outlets), validateAll());
}

/** Only the records to publish, handshakes (and the received count) left out. */
export function recordsOf(entries: Observable<FormattedEntry>): Observable<FormattedRecord> {
  return entries.pipe(filter(isRecord<FormattedRecord, Exclude<FormattedEntry, FormattedRecord>>));
}

/** Bundle chunks → the bundle's records as messages in one format (after the transforms, if any), once the whole bundle is valid. */
export function bundleMessages(fmt: Format, transforms?: Transform): OperatorFunction<Uint8Array | string, OutboundMessage> {
  return (chunks$) => recordsOf(chunks$.pipe(bundleEntries([{ format: fmt }], transforms))).pipe(map((record) => messageFor(record, fmt)));
}
