import type { GraccRecord } from './gracc-record';
import { Uint64 } from './uint64';

/**
 * The record as one compact JSON object, RawXML last. Written by hand so that 64-bit counts
 * keep every digit (JSON.stringify would round them through a double).
 */
export function recordToJson(record: GraccRecord): string {
  let out = '{';
  for (const key in record.fields) {
    const v = record.fields[key]!;
    out += JSON.stringify(key) + ':';
    if (typeof v === 'string') out += JSON.stringify(v);
    else if (v instanceof Uint64) out += v.digits;
    else out += Number.isFinite(v) ? String(v) : '0';
    out += ',';
  }
  return out + '"RawXML":' + JSON.stringify(record.raw) + '}';
}
