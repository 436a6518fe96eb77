import type { RecordItem } from './bundle-item';
import type { GraccRecord } from './gracc-record';
import { InvalidValue } from './map-common';
import { mapJobUsage } from './map-job-usage';
import { mapGeneric } from './map-generic';
import { RecordError } from './record-error';
import { Uint64 } from './uint64';

/** Maps one split record to its GRACC raw record; a RecordError names the record when a value is invalid. */
export function mapRecord(item: RecordItem): GraccRecord {
  const { root } = item;
  try {
    const fields = root.name === 'JobUsageRecord' || root.name === 'UsageRecord' ? mapJobUsage(root) : mapGeneric(root);
    const id = fields['RecordId'] ?? fields['UniqueID'] ?? '';
    // Only storage records carry 64-bit counts.
    let exactCounts = false;
    if (root.name === 'StorageElementRecord') for (const key in fields) if (fields[key] instanceof Uint64) exactCounts = true;
    fields['RawXML'] = item.raw;
    return {
      index: item.index,
      type: String(fields['type']),
      id: typeof id === 'string' ? id : '',
      fields,
      exactCounts,
      raw: item.raw,
      inheritedNamespaces: item.inheritedNamespaces,
    };
  } catch (e) {
    if (e instanceof InvalidValue) throw RecordError.at(item.index, recordIdOf(item), e.message);
    throw e;
  }
}

/** The id of a record before mapping, for error messages. */
export function recordIdOf(item: RecordItem): string | undefined {
  for (const c of item.root.children) {
    if (c.name === 'RecordIdentity' && c.attrs['recordId']) return c.attrs['recordId'];
    if (c.name === 'UniqueID' && c.text) return c.text;
  }
  return undefined;
}
