import { map } from 'rxjs';
import { emptyFields } from '../records/fields-object';
import type { FieldValue, GraccRecord } from '../records/gracc-record';
import { changeableField } from './record-fields';
import { defineTransform } from './transform';

/** Old name → new name. */
type Renames = ReadonlyMap<string, string>;
/** The same as data (the primary hands it to its workers): [old, new]. */
type RenameSettings = readonly (readonly [string, string])[];

/**
 * `rename`: renames fields, `[transforms.fields] OldName = "NewName"`. A renamed field keeps
 * its place; a field already under the new name is replaced by it; a missing field is left
 * alone. All renames of one transform happen at once (`A = "B"` and `B = "A"` swap them).
 */
export const renameTransform = defineTransform<RenameSettings>({
  type: 'rename',
  about: 'rename fields',
  read(keys) {
    const renames = new Map<string, string>();
    const byTarget = new Map<string, string>();
    for (const { name, value } of keys.entries('fields') ?? []) {
      const where = `fields.${name}`;
      if (!changeableField(name, keys, where)) continue;
      if (typeof value !== 'string') {
        keys.problem(where, 'must be the new name, a string');
        continue;
      }
      if (!changeableField(value, keys, where)) continue;
      const earlier = byTarget.get(value);
      if (earlier !== undefined) keys.problem(where, `${earlier} is renamed to ${value} too`);
      byTarget.set(value, name);
      renames.set(name, value);
    }
    keys.done(['fields']);
    return keys.failed ? undefined : [...renames];
  },
  build(settings, { tally }) {
    const renames: Renames = new Map(settings);
    return map((record) => {
      const renamed = withRenames(record, renames);
      if (renamed !== record) tally.changed();
      return renamed;
    });
  },
});

function withRenames(record: GraccRecord, renames: Renames): GraccRecord {
  const old = record.fields;
  // Fields replaced by a renamed one (under their name), of the renames that apply.
  const replaced = new Set<string>();
  for (const [from, to] of renames) if (Object.hasOwn(old, from)) replaced.add(to);
  if (replaced.size === 0) return record;
  const fields = emptyFields(); // stays a fast object (see fields-object.ts)
  for (const key in old) {
    const to = renames.get(key);
    if (to !== undefined) fields[to] = old[key]!;
    else if (!replaced.has(key)) fields[key] = old[key]!;
  }
  return { ...record, fields };
}
