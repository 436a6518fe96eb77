import { emptyFields } from '../records/fields-object';
import type { FieldValue, GraccRecord } from '../records/gracc-record';
import { Uint64 } from '../records/uint64';
import type { TableKeys } from './table-keys';

/** The field that holds the record's text as received: written last, never changed by a transform. */
export const RAW_XML = 'RawXML';
/**
 * Fields no transform may set, rename or remove: `RawXML` is the record as received (what
 * the xml and raw formats write), `type` is the record's type (which filters and routing read).
 */
const FIXED = new Set([RAW_XML, 'type', '__proto__']);

/** Checks a field name a transform would change; reports at `path` and returns false when it may not. */
export function changeableField(name: string, keys: TableKeys, key: string): boolean {
  if (name === '') keys.problem(key, 'a field name must not be empty');
  else if (FIXED.has(name)) keys.problem(key, `the field ${name} cannot be changed by a transform`);
  else return true;
  return false;
}

/**
 * The record with some fields set (to a value) or removed (undefined), as a new record: the
 * other fields keep their order, new ones come before RawXML (which stays last), and
 * `exactCounts` still says whether a 64-bit count is among the values. The record itself
 * when nothing changes.
 */
export function withFields(record: GraccRecord, changes: ReadonlyMap<string, FieldValue | undefined>): GraccRecord {
  const old = record.fields;
  const fields = emptyFields(); // stays a fast object (see fields-object.ts)
  let changed = false;
  for (const key in old) {
    if (key === RAW_XML) continue;
    if (!changes.has(key)) {
      fields[key] = old[key]!;
      continue;
    }
    const value = changes.get(key);
    if (value !== undefined) fields[key] = value;
    if (value !== old[key]) changed = true;
  }
  for (const [key, value] of changes) {
    if (value !== undefined && !Object.hasOwn(old, key)) {
      fields[key] = value;
      changed = true;
    }
  }
  if (!changed) return record;
  if (Object.hasOwn(old, RAW_XML)) fields[RAW_XML] = old[RAW_XML]!;
  return { ...record, fields, exactCounts: holdsExactCount(fields) };
}

function holdsExactCount(fields: Readonly<Record<string, FieldValue>>): boolean {
  for (const key in fields) if (fields[key] instanceof Uint64) return true;
  return false;
}
