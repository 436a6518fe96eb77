import { map, type OperatorFunction } from 'rxjs';
import type { OutboundMessage } from '../contracts/sink';
import { CONTENT_TYPES, type Format, formatRecord } from '../records/formats';
import type { GraccRecord, Handshake } from '../records/gracc-record';
import { type BundleEntry, isRecord } from './flatten';
import type { ReceivedCount } from './transform-records';

/** A record written in every format the sinks take, each as the message a sink publishes. */
export interface FormattedRecord {
  /** 0-based position in the bundle. */
  readonly index: number;
  readonly id: string;
  readonly type: string;
  readonly messages: Readonly<Partial<Record<Format, OutboundMessage>>>;
}

export type FormattedEntry = FormattedRecord | Handshake | ReceivedCount;

/**
 * Writes each GRACC record in each of the given formats (once per format, however many
 * sinks share it); handshakes (and a transformed bundle's ReceivedCount) pass through. It runs as each record is mapped, while the
 * record is still in the CPU's caches, and lets go of the mapped fields at once: a
 * bundle is held (to be validated whole) as message bytes outside the JavaScript heap,
 * which the garbage collector need not copy.
 *
 * ```
 * source: -g--h--g--|
 * result: -f--h--f--|      (f = { index, id, type, messages: { json: { key: g.id, body, contentType } } })
 * ```
 */
export function format(formats: readonly Format[]): OperatorFunction<BundleEntry | ReceivedCount, FormattedEntry> {
  const wanted = [...new Set(formats)];
  return map((entry) => (isRecord<GraccRecord, Handshake | ReceivedCount>(entry) ? formatted(entry, wanted) : entry));
}

/** The record's message for a sink that takes `fmt` (one of the formats it was written in). */
export function messageFor(record: FormattedRecord, fmt: Format): OutboundMessage {
  const message = record.messages[fmt];
  if (message === undefined) throw new Error(`record #${record.index} was not written as ${fmt}`);
  return message;
}

function formatted(record: GraccRecord, formats: readonly Format[]): FormattedRecord {
  const id = detached(record.id);
  const messages: Partial<Record<Format, OutboundMessage>> = {};
  for (const fmt of formats) {
    messages[fmt] = { key: id, body: Buffer.from(formatRecord(record, fmt)), contentType: CONTENT_TYPES[fmt] };
  }
  return { index: record.index, id, type: detached(record.type), messages };
}

/**
 * A copy of the text that holds nothing else. The parser's strings are slices of the
 * whole bundle's text, which a slice keeps alive: a record's id, held until the sinks
 * confirm, would keep the bundle's hundreds of KiB in the heap and get them promoted
 * to the old generation (a major collection every half second at full load).
 */
function detached(text: string): string {
  // Joining flattens into a new string; the slice past the added character is then a
  // view of that small string only.
  return (' ' + text).slice(1);
}
