import path from 'node:path';
import { map } from 'rxjs';
import { compileTemplate, type FieldTemplate, valueText } from '../records/field-template';
import type { FieldValue } from '../records/gracc-record';
import { readMappingFile } from './mapping-file';
import { changeableField, withFields } from './record-fields';
import { isTable, type TableKeys } from './table-keys';
import { defineTransform, type ReadContext } from './transform';

type Fields = Readonly<Record<string, FieldValue>>;

/** How one field is set. */
interface FieldRule {
  readonly name: string;
  /** Set only when the field is missing or empty. */
  readonly ifAbsent: boolean;
  /** The new value; undefined leaves the field as it is. */
  value(fields: Fields): FieldValue | undefined;
}

interface SetSettings {
  readonly rules: readonly FieldRule[];
  readonly remove: readonly string[];
}

const KEYS = ['fields', 'remove', 'ifAbsent'];
const RULE_KEYS = ['value', 'lookup', 'key', 'default', 'ifAbsent'];

/**
 * `set`: sets, overwrites or removes fields. Each entry of its `fields` table is the field's
 * new value: a template over the record's fields (`"{ProbeName}"`, `"site-{SiteName:-none}"`,
 * or constant text), or `{ lookup = FILE, key = TEMPLATE, default = TEXT }`, the value the
 * mapping file gives for the key (default when it has none; without a default the field is
 * left as it is). `remove` lists fields to remove. `ifAbsent = true` (the whole transform's,
 * or one field's `{ value = …, ifAbsent = true }`) sets a field only when it is missing or empty.
 *
 * Values are text, except a template that is exactly one placeholder (`"{WallDuration}"`),
 * which copies the field as it is (a number stays a number, a 64-bit count keeps its digits).
 * Every value is worked out from the record as it came to the transform.
 */
export const setTransform = defineTransform<SetSettings>({
  type: 'set',
  about: 'set, overwrite or remove fields: constant, templated or looked up in a mapping file',
  read(keys, context) {
    const ifAbsent = keys.bool('ifAbsent') ?? false;
    const entries = keys.entries('fields', !keys.has('remove')) ?? [];
    const remove = keys.textList('remove') ?? [];
    const rules: FieldRule[] = [];
    for (const entry of entries) {
      const rule = readRule(keys, entry, ifAbsent, context);
      if (rule !== undefined) rules.push(rule);
    }
    for (const name of remove) {
      if (!changeableField(name, keys, 'remove')) continue;
      if (rules.some((r) => r.name === name)) keys.problem('remove', `${name} is both set (fields.${name}) and removed`);
    }
    keys.done(KEYS);
    return keys.failed ? undefined : { rules, remove };
  },
  build({ rules, remove }, { tally }) {
    return map((record) => {
      const changes = new Map<string, FieldValue | undefined>();
      for (const rule of rules) {
        if (rule.ifAbsent && valueText(record.fields[rule.name]) !== '') continue;
        const value = rule.value(record.fields);
        if (value !== undefined) changes.set(rule.name, value);
      }
      for (const name of remove) changes.set(name, undefined);
      const changed = withFields(record, changes);
      if (changed !== record) tally.changed();
      return changed;
    });
  },
});

function readRule(keys: TableKeys, entry: { name: string; value: unknown; path: string }, ifAbsent: boolean, context: ReadContext): FieldRule | undefined {
  const { name } = entry;
  const where = `fields.${name}`;
  if (!changeableField(name, keys, where)) return undefined;
  if (typeof entry.value === 'string') {
    const value = templateValue(entry.value, (message) => keys.problem(where, message));
    return value && { name, ifAbsent, value };
  }
  if (!isTable(entry.value)) {
    keys.problem(where, 'must be a template (a string) or a table { value = … } or { lookup = FILE, key = …, default = … }');
    return undefined;
  }
  const rule = keys.child(entry.value, entry.path);
  const own = rule.bool('ifAbsent') ?? ifAbsent;
  let value: FieldRule['value'] | undefined;
  if (rule.has('value') === rule.has('lookup')) {
    rule.problem('', 'needs either value = TEMPLATE or lookup = FILE');
  } else if (rule.has('value')) {
    const source = rule.string('value');
    if (source !== undefined) value = templateValue(source, (message) => rule.problem('value', message));
  } else {
    value = lookupValue(rule, context);
  }
  rule.done(rule.has('lookup') ? RULE_KEYS : ['value', 'ifAbsent']);
  return value && !rule.failed ? { name, ifAbsent: own, value } : undefined;
}

/** A template's value, or the field it copies whole. */
function templateValue(source: string, problem: (message: string) => void): FieldRule['value'] | undefined {
  const template = compiled(source, problem);
  if (template === undefined) return undefined;
  if (template.constant) {
    const text = template.render({});
    return () => text;
  }
  const [only] = template.fields;
  if (template.fields.length === 1 && source === `{${only}}`) return (fields) => fields[only!] ?? '';
  return (fields) => template.render(fields);
}

function lookupValue(rule: TableKeys, context: ReadContext): FieldRule['value'] | undefined {
  const file = rule.string('lookup');
  const keySource = rule.string('key', true);
  const fallback = rule.scalarText('default');
  if (file === undefined || keySource === undefined) return undefined;
  const key = compiled(keySource, (message) => rule.problem('key', message));
  let table: Map<string, string>;
  const resolved = path.resolve(context.baseDir, file);
  try {
    table = readMappingFile(resolved);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ? `cannot read it: ${(e as Error).message}` : (e as Error).message;
    rule.problem('lookup', `mapping file ${resolved}: ${why}`);
    return undefined;
  }
  if (key === undefined) return undefined;
  return (fields) => table.get(key.render(fields)) ?? fallback;
}

function compiled(source: string, problem: (message: string) => void): FieldTemplate | undefined {
  try {
    return compileTemplate(source);
  } catch (e) {
    problem(`bad template: ${(e as Error).message}`);
    return undefined;
  }
}
