import { filter, map, type Observable, pipe, type OperatorFunction } from 'rxjs';
import type { OutboundMessage } from '../contracts/sink';
import { flatten, isHandshake } from '../operators/flatten';
import { format, type FormattedEntry, type FormattedRecord, messageFor, type Outlet } from '../operators/format';
import { split } from '../operators/split';
import { validateAll } from '../operators/validate-all';
import type { Format } from '../records/formats';

/**
 * Bundle chunks → every entry of the bundle (records, written in each of the outlets'
 * formats and addressed as each outlet addresses them, and handshakes), emitted only once
 * the whole bundle has been read and mapped without error.
 */
export function bundleEntries(outlets: readonly Outlet[]): OperatorFunction<Uint8Array | string, FormattedEntry> {
  return pipe(split(), flatten(), format(outlets), validateAll());
}

/** Only the records to publish, handshakes left out. */
export function recordsOf(entries: Observable<FormattedEntry>): Observable<FormattedRecord> {
  return entries.pipe(filter((e): e is FormattedRecord => !isHandshake(e)));
}

/** Bundle chunks → the bundle's records as messages in one format, once the whole bundle is valid. */
export function bundleMessages(fmt: Format): OperatorFunction<Uint8Array | string, OutboundMessage> {
  return (chunks$) => recordsOf(chunks$.pipe(bundleEntries([{ format: fmt }]))).pipe(map((record) => messageFor(record, fmt)));
}
