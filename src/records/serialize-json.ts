import type { FieldValue, GraccRecord } from './gracc-record';
import { JsonBytes, MAX_ESCAPED } from './json-bytes';
import { Uint64 } from './uint64';

/** The record as one compact JSON object, RawXML last. */
export function recordToJson(record: GraccRecord): string {
  // The engine's own serializer is the fast path; it cannot write a 64-bit count exactly.
  return record.exactCounts ? withExactCounts(record) : JSON.stringify(record.fields);
}

/** `recordToJson`'s UTF-8 bytes, the json message of the record. */
export function recordJsonBytes(record: GraccRecord): Buffer {
  return (record.exactCounts ? undefined : withRawXmlApart(record.fields)) ?? Buffer.from(recordToJson(record));
}

/** Written piece by piece so that 64-bit counts keep every digit (a double would round them). */
function withExactCounts(record: GraccRecord): string {
  let out = '{';
  for (const key in record.fields) {
    const v = record.fields[key]!;
    out += JSON.stringify(key) + ':';
    if (typeof v === 'string') out += JSON.stringify(v);
    else if (v instanceof Uint64) out += v.digits;
    else out += Number.isFinite(v) ? String(v) : '0';
    out += ',';
  }
  return out.slice(0, -1) + '}';
}

const RAW_XML = 'RawXML';
/** How JSON.stringify ends the fields when RawXML, empty, is the last of them. */
const EMPTY_RAW_XML_LAST = `"${RAW_XML}":""}`;

let writer: JsonBytes | undefined;

/**
 * JSON.stringify(fields) as bytes, RawXML (most of them) escaped by json-escape.wasm rather
 * than by JSON.stringify: the fields are written with RawXML set to '' for the while, and
 * the escaped text goes between the quotes. Undefined (nothing written) when RawXML is not a
 * well-formed string last among the fields, or is too long: the caller writes the record
 * the plain way.
 */
function withRawXmlApart(fields: Record<string, FieldValue>): Buffer | undefined {
  const raw = fields[RAW_XML];
  // Checked before the fields are written: a RawXML the escaper refuses would have them written twice.
  if (typeof raw !== 'string' || raw.length > MAX_ESCAPED || !raw.isWellFormed()) return undefined;
  let head: string;
  fields[RAW_XML] = '';
  try {
    head = JSON.stringify(fields);
  } finally {
    fields[RAW_XML] = raw;
  }
  // The tail is RawXML's own pair: a `"` after `,` or `{` is not inside a string.
  const pair = head.length - EMPTY_RAW_XML_LAST.length;
  if (!head.endsWith(EMPTY_RAW_XML_LAST) || (head[pair - 1] !== ',' && pair !== 1)) return undefined;
  writer ??= new JsonBytes();
  writer.start();
  // The head up to its opening quote of RawXML, then the text, then the quote and brace.
  if (!writer.text(head, 2) || !writer.escaped(raw) || !writer.text('"}')) return undefined;
  return writer.bytes();
}
