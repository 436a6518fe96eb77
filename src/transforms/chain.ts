import { type Observable } from 'rxjs';
import { showValue } from '../config';
import type { GraccRecord } from '../records/gracc-record';
import { TRANSFORMS } from './registry';
import { isTable, type Table, TableKeys } from './table-keys';
import { type ReadContext, type Transform, type TransformTally, type TransformType, UNCOUNTED } from './transform';

/** One `[[transforms]]` table, read and checked. */
export interface TransformSpec {
  readonly type: string;
  /** `name`, or `<type>#<index>` (the index from 0, as in error messages). */
  readonly name: string;
  /** `transforms[<index>]`, as error messages name it. */
  readonly path: string;
  /** What the type's `read` made of the table. */
  readonly settings: unknown;
  /** The table as written, for the log. */
  readonly table: Table;
}

/** The key of the array of tables in the configuration. */
export const TRANSFORMS_KEY = 'transforms';

// Each type's settings are its own; the registry keeps them apart by type name.
const byType = new Map(TRANSFORMS.map((t) => [t.type, t as unknown as TransformType<unknown>]));

/**
 * The `[[transforms]]` array of a configuration file (undefined: none), each table read by
 * its type. Every problem is reported as one line naming its key; the specs are returned
 * only when there was none.
 */
export function readTransforms(value: unknown, context: ReadContext, report: (problem: string) => void): TransformSpec[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isTable)) {
    report(`${TRANSFORMS_KEY}: must be an array of tables ([[${TRANSFORMS_KEY}]]), got ${showValue(value)}`);
    return [];
  }
  const specs: TransformSpec[] = [];
  const names = new Map<string, string>();
  value.forEach((table, index) => {
    const path = `${TRANSFORMS_KEY}[${index}]`;
    const keys = new TableKeys(table, path, report);
    const typeName = keys.string('type', true);
    const name = keys.string('name') ?? `${typeName ?? 'transform'}#${index}`;
    if (keys.has('name') && name === '') keys.problem('name', 'must not be empty');
    const earlier = names.get(name);
    if (earlier !== undefined) keys.problem('name', `${JSON.stringify(name)} is already the name of ${earlier}`);
    names.set(name, path);
    if (typeName === undefined) return;
    const type = byType.get(typeName.toLowerCase());
    if (type === undefined) {
      keys.problem('type', `unknown transform type ${JSON.stringify(typeName)} (the types: ${[...byType.keys()].join(', ')})`);
      return;
    }
    const settings = type.read(keys, context);
    if (settings !== undefined && !keys.failed) specs.push({ type: type.type, name, path, settings, table });
  });
  return specs;
}

/**
 * The transforms, in order, as one operator; undefined when there are none, so that the
 * record path then has no operator more than without transforms. `tallyOf` gives each
 * transform's counters (by its name).
 */
export function buildTransformChain(specs: readonly TransformSpec[], tallyOf: (name: string) => TransformTally = () => UNCOUNTED): Transform | undefined {
  if (specs.length === 0) return undefined;
  const operators = specs.map((spec) => byType.get(spec.type)!.build(spec.settings, { name: spec.name, tally: tallyOf(spec.name) }));
  if (operators.length === 1) return operators[0];
  return (records$: Observable<GraccRecord>) => operators.reduce((source, operator) => operator(source), records$);
}

/** The transforms as the log shows them: each table as written, with its name. */
export function describeTransforms(specs: readonly TransformSpec[]): Table[] {
  return specs.map((spec) => ({ name: spec.name, ...spec.table }));
}
