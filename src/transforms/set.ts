import path from 'node:path';
import { map } from 'rxjs';
import { compileTemplate, type FieldTemplate, valueText } from '../records/field-template';
import type { FieldValue } from '../records/gracc-record';
import { readMappingFile } from './mapping-file';
import { changeableField, withFields } from './record-fields';
import { isTable, type TableKeys } from './table-keys';
import { defineTransform, type ReadContext } from './transform';

type Fields = Readonly<Record<string, FieldValue>>;

/** How one field is set, as data (the primary hands it to its workers). */
type RuleSettings = {
  readonly name: string;
  /** Set only when the field is missing or empty. */
  readonly ifAbsent: boolean;
} & (
  | { readonly template: string }
  /** The mapping file's lines, read at start: [key, value]. */
  | { readonly lookup: { readonly key: string; readonly table: readonly (readonly [string, string])[]; readonly fallback?: string } }
);

interface SetSettings {
  readonly rules: readonly RuleSettings[];
  readonly remove: readonly string[];
}

/** A rule made ready: the new value, or undefined to leave the field as it is. */
interface FieldRule {
  readonly name: string;
  readonly ifAbsent: boolean;
  value(fields: Fields): FieldValue | undefined;
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
    const rules: RuleSettings[] = [];
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
  build(settings, { tally }) {
    const rules = settings.rules.map(ready);
    const { remove } = settings;
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

function readRule(keys: TableKeys, entry: { name: string; value: unknown; path: string }, ifAbsent: boolean, context: ReadContext): RuleSettings | undefined {
  const { name } = entry;
  const where = `fields.${name}`;
  if (!changeableField(name, keys, where)) return undefined;
  if (typeof entry.value === 'string') {
    return compiled(entry.value, (message) => keys.problem(where, message)) && { name, ifAbsent, template: entry.value };
  }
  if (!isTable(entry.value)) {
    keys.problem(where, 'must be a template (a string) or a table { value = … } or { lookup = FILE, key = …, default = … }');
    return undefined;
  }
  const rule = keys.child(entry.value, entry.path);
  const own = rule.bool('ifAbsent') ?? ifAbsent;
  let result: RuleSettings | undefined;
  if (rule.has('value') === rule.has('lookup')) {
    rule.problem('', 'needs either value = TEMPLATE or lookup = FILE');
  } else if (rule.has('value')) {
    const source = rule.string('value');
    if (source !== undefined && compiled(source, (message) => rule.problem('value', message))) result = { name, ifAbsent: own, template: source };
  } else {
    const lookup = readLookup(rule, context);
    if (lookup !== undefined) result = { name, ifAbsent: own, lookup };
  }
  rule.done(rule.has('lookup') ? RULE_KEYS : ['value', 'ifAbsent']);
  return rule.failed ? undefined : result;
}

function readLookup(rule: TableKeys, context: ReadContext) {
  const file = rule.string('lookup');
  const key = rule.string('key', true);
  const fallback = rule.scalarText('default');
  if (key !== undefined) compiled(key, (message) => rule.problem('key', message));
  if (file === undefined) return undefined;
  const resolved = path.resolve(context.baseDir, file);
  let table: Map<string, string>;
  try {
    table = readMappingFile(resolved);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ? `cannot read it: ${(e as Error).message}` : (e as Error).message;
    rule.problem('lookup', `mapping file ${resolved}: ${why}`);
    return undefined;
  }
  if (key === undefined) return undefined;
  return { key, table: [...table], ...(fallback === undefined ? {} : { fallback }) };
}

/** A rule's value, from its settings (their templates already checked). */
function ready(rule: RuleSettings): FieldRule {
  const { name, ifAbsent } = rule;
  if ('template' in rule) return { name, ifAbsent, value: templateValue(rule.template) };
  const key = compileTemplate(rule.lookup.key);
  const table = new Map(rule.lookup.table);
  const { fallback } = rule.lookup;
  return { name, ifAbsent, value: (fields) => table.get(key.render(fields)) ?? fallback };
}

/** A template's value, or the field it copies whole. */
function templateValue(source: string): FieldRule['value'] {
  const template = compileTemplate(source);
  if (template.constant) {
    const text = template.render({});
    return () => text;
  }
  const [only] = template.fields;
  if (template.fields.length === 1 && source === `{${only}}`) return (fields) => fields[only!] ?? '';
  return (fields) => template.render(fields);
}

function compiled(source: string, problem: (message: string) => void): FieldTemplate | undefined {
  try {
    return compileTemplate(source);
  } catch (e) {
    problem(`bad template: ${(e as Error).message}`);
    return undefined;
  }
}
