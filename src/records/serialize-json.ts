import type { FieldValue, GraccRecord } from './gracc-record';
import { JsonBytes } from './json-bytes';
import { Uint64 } from './uint64';

/** The record as one compact JSON object, RawXML last. */
export function recordToJson(record: GraccRecord): string {
  // The engine's own serializer is the fast path; it cannot write a 64-bit count exactly.
  return record.exactCounts ? withExactCounts(record) : JSON.stringify(record.fields);
}

/** `recordToJson`'s UTF-8 bytes, the json message of the record. */
export function recordJsonBytes(record: GraccRecord): Buffer {
  return fieldsAsBytes(record.fields, record.exactCounts) ?? Buffer.from(recordToJson(record));
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

let writer: JsonBytes | undefined;

/**
 * recordToJson's JSON as bytes, written by JsonBytes.object (json-escape.wasm escapes
 * the strings, RawXML most of them); undefined when it does not take the fields: the
 * caller then writes the record the plain way.
 */
function fieldsAsBytes(fields: Record<string, FieldValue>, exactCounts: boolean): Buffer | undefined {
  writer ??= new JsonBytes();
  writer.start();
  return writer.object(fields, exactCounts) ? writer.bytes() : undefined;
}
