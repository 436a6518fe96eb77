import { map } from 'rxjs';
import type { FieldValue } from '../records/gracc-record';
import { changeableField, withFields } from './record-fields';
import { defineTransform } from './transform';

/**
 * `lowercase`: writes the text of the listed fields in lower case, e.g. `fields = ["VOName",
 * "ReportableVOName"]`, so that one VO sent as "CMS" by some probes and "cms" by others is
 * one VO in GRACC. Numbers and missing fields are left alone.
 *
 * The developer guide's worked example (docs/adding-a-transform.md): its settings are read
 * from its table by `read`, `build` makes the operator.
 */
export const lowercaseTransform = defineTransform<readonly string[]>({
  type: 'lowercase',
  about: 'write the text of some fields in lower case',
  read(keys) {
    const fields = keys.textList('fields', true, true);
    for (const name of fields ?? []) changeableField(name, keys, 'fields');
    keys.done(['fields']);
    return keys.failed ? undefined : fields;
  },
  build(fields, { tally }) {
    return map((record) => {
      const changes = new Map<string, FieldValue>();
      for (const name of fields) {
        const value = record.fields[name];
        if (typeof value === 'string') changes.set(name, value.toLowerCase());
      }
      const lowered = withFields(record, changes);
      if (lowered !== record) tally.changed();
      return lowered;
    });
  },
});
