import { map, type OperatorFunction } from 'rxjs';
import type { OutboundMessage } from '../io/sink';
import { CONTENT_TYPES, type Format, formatRecord } from '../records/formats';
import type { GraccRecord } from '../records/gracc-record';

/**
 * Writes each GRACC record in a sink's format, as the message that sink publishes.
 *
 * ```
 * source: -g--g--|
 * result: -m--m--|      (m = { key: g.id, body: format(g), contentType })
 * ```
 */
export function format(fmt: Format): OperatorFunction<GraccRecord, OutboundMessage> {
  const contentType = CONTENT_TYPES[fmt];
  return map((record) => ({ key: record.id, body: Buffer.from(formatRecord(record, fmt)), contentType }));
}
