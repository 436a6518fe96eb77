import { filter } from 'rxjs';
import { valueText } from '../records/field-template';
import type { FieldValue, GraccRecord } from '../records/gracc-record';
import type { TableKeys } from './table-keys';
import { defineTransform } from './transform';

/** One test of one field; `not` already applied. */
interface Condition {
  readonly field: string;
  holds(value: FieldValue | undefined): boolean;
}

interface FilterSettings {
  readonly action: 'keep' | 'drop';
  readonly match: 'all' | 'any';
  readonly conditions: readonly Condition[];
}

const OPERATORS = ['equals', 'oneOf', 'matches', 'present'] as const;
const CONDITION_KEYS = ['field', ...OPERATORS, 'not', 'ignoreCase'];

/**
 * `filter`: keeps (`action = "keep"`) or drops (`action = "drop"`) the records that meet its
 * conditions, all of them (`match = "all"`, the default) or any (`match = "any"`). A
 * condition tests one field (`type` is the record's type) with one operator: `equals` a
 * value, `oneOf` a list, `matches` a regular expression, `present = true|false`; `not = true`
 * turns it round; `ignoreCase = true` compares text without case. Values are compared as text
 * (a number as JSON writes it); a missing field equals nothing and matches nothing.
 *
 * A dropped record is accepted (its bundle answers OK) and counted as dropped.
 */
export const filterTransform = defineTransform<FilterSettings>({
  type: 'filter',
  about: 'keep or drop records by conditions on their fields',
  read(keys) {
    const action = keys.oneOf('action', ['keep', 'drop'], 'keep');
    if (!keys.has('action')) keys.problem('action', 'missing: must be "keep" or "drop"');
    const match = keys.oneOf('match', ['all', 'any'], 'all');
    const conditions = keys.tables('conditions')?.map(readCondition);
    keys.done(['action', 'match', 'conditions']);
    if (keys.failed || action === undefined || match === undefined || conditions === undefined) return undefined;
    return { action, match, conditions: conditions as Condition[] };
  },
  build({ action, match, conditions }, { tally }) {
    const meets = match === 'all'
      ? (r: GraccRecord) => conditions.every((c) => c.holds(r.fields[c.field]))
      : (r: GraccRecord) => conditions.some((c) => c.holds(r.fields[c.field]));
    const keep = action === 'keep';
    return filter((record) => {
      if (meets(record) === keep) return true;
      tally.dropped();
      return false;
    });
  },
});

function readCondition(keys: TableKeys): Condition | undefined {
  const field = keys.string('field', true);
  const not = keys.bool('not') ?? false;
  const ignoreCase = keys.bool('ignoreCase') ?? false;
  const given = OPERATORS.filter((op) => keys.has(op));
  const known = new Set(CONDITION_KEYS.map((k) => k.toLowerCase()));
  const unknown = keys.names().filter((name) => !known.has(name.toLowerCase()));
  if (given.length > 1) {
    for (const op of given) keys.value(op);
    keys.problem('', `has ${given.join(' and ')}: one operator a condition (combine conditions with match = "all" or "any")`);
  } else if (given.length === 0 && unknown.length === 0) {
    keys.problem('', `needs one operator: ${OPERATORS.join(', ')}`);
  }
  const test = given.length === 1 ? readOperator(keys, given[0]!, ignoreCase) : undefined;
  keys.done(CONDITION_KEYS, 'condition operator');
  if (keys.failed || field === undefined || test === undefined) return undefined;
  return { field, holds: not ? (v) => !test(v) : test };
}

function readOperator(keys: TableKeys, op: (typeof OPERATORS)[number], ignoreCase: boolean): ((v: FieldValue | undefined) => boolean) | undefined {
  const fold = ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
  const text = (v: FieldValue | undefined) => (v === undefined ? undefined : fold(valueText(v)));
  switch (op) {
    case 'equals': {
      const want = keys.scalarText('equals');
      if (want === undefined) return undefined;
      const folded = fold(want);
      return (v) => text(v) === folded;
    }
    case 'oneOf': {
      const list = keys.textList('oneOf');
      if (list === undefined) return undefined;
      const set = new Set(list.map(fold));
      return (v) => {
        const t = text(v);
        return t !== undefined && set.has(t);
      };
    }
    case 'matches': {
      const source = keys.string('matches');
      if (source === undefined) return undefined;
      let re: RegExp;
      try {
        re = new RegExp(source, ignoreCase ? 'i' : '');
      } catch (e) {
        keys.problem('matches', `invalid regular expression ${JSON.stringify(source)}: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
        return undefined;
      }
      return (v) => v !== undefined && re.test(valueText(v));
    }
    case 'present': {
      const present = keys.bool('present');
      if (present === undefined) return undefined;
      return (v) => (v !== undefined) === present;
    }
  }
}
