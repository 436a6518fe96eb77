import { newFields } from './fields-object';
import { elementKeys, type Fields, InvalidValue, setInstant, setOrdinary, setOrigin } from './map-common';
import { Uint64 } from './uint64';
import type { XmlElement } from './xml-element';

const COUNTS: ReadonlySet<string> = new Set(['TotalSpace', 'FreeSpace', 'UsedSpace', 'FileCount', 'FileCountLimit']);

/**
 * Maps StorageElement, StorageElementRecord and any other record type: `type`, UniqueID and
 * Timestamp for the storage kinds, exact 64-bit counts for StorageElementRecord, every
 * other element by the ordinary rule, then Origin.
 */
export function mapGeneric(root: XmlElement): Fields {
  const type = root.name;
  const storage = type === 'StorageElement' || type === 'StorageElementRecord';
  const counts = type === 'StorageElementRecord';
  const fields = newFields(type);
  if (storage) fields['UniqueID'] = '';
  let origins: XmlElement[] | undefined;
  for (const el of root.children) {
    const keys = elementKeys.get(el.name);
    const name = keys.key;
    if (name === 'Origin') (origins ??= []).push(el);
    else if (storage && name === 'UniqueID') fields['UniqueID'] = el.text;
    else if (storage && name === 'Timestamp') setInstant(fields, 'Timestamp', el.text);
    else if (counts && COUNTS.has(name)) {
      const n = Uint64.parse(el.text);
      if (n === undefined) throw new InvalidValue(`${name}: not an unsigned 64-bit count: ${JSON.stringify(el.text)}`);
      if (!n.isZero()) fields[name] = n;
    } else setOrdinary(fields, el, keys);
  }
  if (origins !== undefined) for (const el of origins) setOrigin(fields, el);
  return fields;
}
