// Mapped GRACC records for tests of what reads their fields (encoders, templates).
import type { FieldValue, GraccRecord } from '../../src/records/gracc-record';

/** A mapped record of `type` with these fields (and `type`, and RecordId as its id unless given). */
export function graccRecord(fields: Record<string, FieldValue>, more: Partial<GraccRecord> = {}): GraccRecord {
  const type = String(fields['type'] ?? 'JobUsageRecord');
  const id = String(fields['RecordId'] ?? fields['UniqueID'] ?? '');
  const raw = `<${type}/>`;
  return { index: 0, type, id, fields: { type, ...fields, RawXML: raw }, exactCounts: false, raw, inheritedNamespaces: {}, ...more };
}
