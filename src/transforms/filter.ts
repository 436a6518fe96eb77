import { filter } from 'rxjs';
import { valueText } from '../records/field-template';
import type { FieldValue, GraccRecord } from '../records/gracc-record';
import type { TableKeys } from './table-keys';
import { defineTransform } from './transform';

type Operator = (typeof OPERATORS)[number];

/** One test of one field, as data (the primary hands it to its workers). */
interface ConditionSettings {
  readonly field: string;
  readonly op: Operator;
  /** equals: the text; oneOf: the texts; matches: the expression's source; present: whether. */
  readonly value: string | readonly string[] | boolean;
  readonly not: boolean;
  readonly ignoreCase: boolean;
}

interface FilterSettings {
  readonly action: 'keep' | 'drop';
  readonly match: 'all' | 'any';
  readonly conditions: readonly ConditionSettings[];
}

/** A condition made ready to test: `not` already applied. */
interface Condition {
  readonly field: string;
  holds(value: FieldValue | undefined): boolean;
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
    return { action, match, conditions: conditions as ConditionSettings[] };
  },
  build(settings, { tally }) {
    const { action, match } = settings;
    const conditions = settings.conditions.map(condition);
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

function readCondition(keys: TableKeys): ConditionSettings | undefined {
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
  const op = given.length === 1 ? given[0]! : undefined;
  const value = op === undefined ? undefined : readOperand(keys, op, ignoreCase);
  keys.done(CONDITION_KEYS, 'condition operator');
  if (keys.failed || field === undefined || op === undefined || value === undefined) return undefined;
  return { field, op, value, not, ignoreCase };
}

/** The operator's value, checked (a regular expression must compile). */
function readOperand(keys: TableKeys, op: Operator, ignoreCase: boolean): ConditionSettings['value'] | undefined {
  switch (op) {
    case 'equals': return keys.scalarText('equals');
    case 'oneOf': return keys.textList('oneOf');
    case 'present': return keys.bool('present');
    case 'matches': {
      const source = keys.string('matches');
      if (source === undefined) return undefined;
      try {
        regExp(source, ignoreCase);
      } catch (e) {
        keys.problem('matches', `invalid regular expression ${JSON.stringify(source)}: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
        return undefined;
      }
      return source;
    }
  }
}

const regExp = (source: string, ignoreCase: boolean) => new RegExp(source, ignoreCase ? 'i' : '');

/** A condition's test, from its settings. */
function condition({ field, op, value, not, ignoreCase }: ConditionSettings): Condition {
  const fold = ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
  const text = (v: FieldValue | undefined) => (v === undefined ? undefined : fold(valueText(v)));
  let test: (v: FieldValue | undefined) => boolean;
  switch (op) {
    case 'equals': {
      const want = fold(value as string);
      test = (v) => text(v) === want;
      break;
    }
    case 'oneOf': {
      const set = new Set((value as readonly string[]).map(fold));
      test = (v) => {
        const t = text(v);
        return t !== undefined && set.has(t);
      };
      break;
    }
    case 'matches': {
      const re = regExp(value as string, ignoreCase);
      test = (v) => v !== undefined && re.test(valueText(v));
      break;
    }
    case 'present':
      test = (v) => (v !== undefined) === value;
      break;
  }
  return { field, holds: not ? (v) => !test(v) : test };
}
