import { map, type OperatorFunction } from 'rxjs';
import type { OutboundMessage, RecordAddressing } from '../contracts/sink';
import { detached } from '../records/detached';
import { CONTENT_TYPES, type Format, formatRecord } from '../records/formats';
import type { GraccRecord, Handshake } from '../records/gracc-record';
import { type BundleEntry, isRecord } from './flatten';
import type { ReceivedCount } from './transform-records';

/** What `format` needs of a sink: the format it takes and, when it routes records by their fields, how. */
export interface Outlet {
  readonly format: Format;
  readonly addressing?: RecordAddressing;
}

/** A record written in every format the sinks take, each as the message a sink publishes. */
export interface FormattedRecord {
  /** 0-based position in the bundle. */
  readonly index: number;
  readonly id: string;
  readonly type: string;
  /** The record in each format, keyed by its id: the message of every sink that does not address records by their fields. */
  readonly messages: Readonly<Partial<Record<Format, OutboundMessage>>>;
  /** By the outlet's position in `format`'s list: the own message of each outlet that addresses records; unset when none does. */
  readonly addressed?: readonly (OutboundMessage | undefined)[];
}

export type FormattedEntry = FormattedRecord | Handshake | ReceivedCount;

/**
 * Writes each GRACC record in each of the outlets' formats (once per format, however many
 * sinks share it) and, for an outlet that addresses records by their fields (a templated
 * routing key or topic), gives it its own message with the record's destination; handshakes
 * (and a transformed bundle's ReceivedCount) pass through. It runs as each record is mapped, while the record is still in the CPU's
 * caches, and lets go of the mapped fields at once: a bundle is held (to be validated whole)
 * as message bytes outside the JavaScript heap, which the garbage collector need not copy.
 *
 * ```
 * source: -g--h--g--|
 * result: -f--h--f--|      (f = { index, id, type, messages: { json: { key: g.id, body, contentType } } })
 * ```
 */
export function format(outlets: readonly Outlet[]): OperatorFunction<BundleEntry | ReceivedCount, FormattedEntry> {
  const wanted = [...new Set(outlets.map((o) => o.format))];
  const routed: Routed[] = outlets.flatMap((o, position) => (o.addressing ? [{ position, format: o.format, addressing: o.addressing }] : []));
  const isGracc = isRecord<GraccRecord, Handshake | ReceivedCount>;
  if (routed.length === 0) return map((entry) => (isGracc(entry) ? formatted(entry, wanted) : entry));
  return map((entry) => (isGracc(entry) ? addressed(formatted(entry, wanted), entry, routed, outlets.length) : entry));
}

/** The message an outlet at `position` (of `format`'s list) publishes for the record, written as `fmt`. */
export function messageFor(record: FormattedRecord, fmt: Format, position?: number): OutboundMessage {
  const message = (position === undefined ? undefined : record.addressed?.[position]) ?? record.messages[fmt];
  if (message === undefined) throw new Error(`record #${record.index} was not written as ${fmt}`);
  return message;
}

function formatted(record: GraccRecord, formats: readonly Format[]): FormattedRecord {
  const id = detached(record.id);
  const messages: Partial<Record<Format, OutboundMessage>> = {};
  for (const fmt of formats) {
    messages[fmt] = { key: id, body: formatRecord(record, fmt), contentType: CONTENT_TYPES[fmt] };
  }
  return { index: record.index, id, type: detached(record.type), messages };
}

interface Routed {
  readonly position: number;
  readonly format: Format;
  readonly addressing: RecordAddressing;
}

/** The record with the own messages of the outlets that address it, rendered from its fields while they exist. */
function addressed(out: FormattedRecord, record: GraccRecord, routed: readonly Routed[], slots: number): FormattedRecord {
  const own = new Array<OutboundMessage | undefined>(slots);
  for (const o of routed) own[o.position] = o.addressing.address(out.messages[o.format]!, record);
  return { ...out, addressed: own };
}
