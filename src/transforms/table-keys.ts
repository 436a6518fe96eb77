import { didYouMean, showValue, typeName } from '../config';

/** A TOML table as smol-toml gives it. */
export type Table = Readonly<Record<string, unknown>>;

export function isTable(x: unknown): x is Table {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Date);
}

/**
 * Reads one table of a transform's configuration as the rest of the configuration is read:
 * key names in any case, every problem reported as one line naming the key by its path
 * (`transforms[2].conditions[0].matches: …`), and keys nobody read reported as unknown by
 * `done()`. A getter returns undefined for a key that is absent or bad (bad ones reported).
 */
export class TableKeys {
  private readonly byLowerName = new Map<string, string>();
  private readonly read = new Set<string>();
  private bad = false;

  constructor(
    private readonly table: Table,
    /** The table's own path, `transforms[2]`. */
    readonly path: string,
    private readonly report: (problem: string) => void,
  ) {
    for (const name of Object.keys(table)) {
      const lower = name.toLowerCase();
      if (this.byLowerName.has(lower)) this.problem(name, `set more than once (keys differing only in case)`);
      else this.byLowerName.set(lower, name);
    }
  }

  /** Whether a problem was reported about this table or one read through it. */
  get failed(): boolean {
    return this.bad;
  }

  /** The path of one of its keys. */
  pathOf(key: string): string {
    return `${this.path}.${key}`;
  }

  /** Reports a problem with one of its keys (or, key '', with the table itself). */
  problem(key: string, message: string): void {
    this.bad = true;
    this.report(`${key === '' ? this.path : this.pathOf(key)}: ${message}`);
  }

  /** Its keys as written. */
  names(): string[] {
    return Object.keys(this.table);
  }

  has(key: string): boolean {
    return this.byLowerName.has(key.toLowerCase());
  }

  /** The value as written, whatever its type; marks the key read. */
  value(key: string): unknown {
    const name = this.byLowerName.get(key.toLowerCase());
    if (name === undefined) return undefined;
    this.read.add(name);
    return this.table[name];
  }

  string(key: string, required = false): string | undefined {
    return this.typed(key, required, 'a string', (v): v is string => typeof v === 'string');
  }

  bool(key: string): boolean | undefined {
    return this.typed(key, false, 'true or false', (v): v is boolean => typeof v === 'boolean');
  }

  /** A string or a number, as text (a number as TOML wrote it). */
  scalarText(key: string): string | undefined {
    const v = this.typed(key, false, 'a string or a number', (x): x is string | number | bigint => typeof x === 'string' || typeof x === 'number' || typeof x === 'bigint');
    return v === undefined ? undefined : String(v);
  }

  /** A list of strings (or numbers, as text); `nonEmpty`: at least one. */
  textList(key: string, nonEmpty = true, required = false): string[] | undefined {
    const v = this.typed(key, required, 'a list of strings', (x): x is unknown[] => Array.isArray(x) && x.every((e) => typeof e === 'string' || typeof e === 'number' || typeof e === 'bigint'));
    if (v === undefined) return undefined;
    if (nonEmpty && v.length === 0) return void this.problem(this.nameOf(key), 'must list at least one value');
    return v.map(String);
  }

  /** One of `values`, any case; the canonical spelling. */
  oneOf<const T extends string>(key: string, values: readonly T[], fallback: NoInfer<T>): T | undefined {
    const v = this.string(key);
    if (v === undefined) return this.has(key) ? undefined : fallback;
    const hit = values.find((x) => x.toLowerCase() === v.toLowerCase());
    if (hit === undefined) this.problem(this.nameOf(key), `must be ${values.map((x) => JSON.stringify(x)).join(' or ')}, got ${JSON.stringify(v)}`);
    return hit;
  }

  /** A table whose own keys are names (field names, case kept): its entries, each with its path. */
  entries(key: string, required = true): { readonly name: string; readonly value: unknown; readonly path: string }[] | undefined {
    const v = this.typed(key, required, 'a table', isTable);
    if (v === undefined) return undefined;
    const list = Object.entries(v).map(([name, value]) => ({ name, value, path: `${this.pathOf(this.nameOf(key))}.${name}` }));
    if (list.length === 0) return void this.problem(this.nameOf(key), 'must hold at least one entry');
    return list;
  }

  /** An array of tables, each read through TableKeys of its own (`key[0]`, `key[1]`, …). */
  tables(key: string, required = true): TableKeys[] | undefined {
    const v = this.typed(key, required, 'a list of tables', (x): x is Table[] => Array.isArray(x) && x.every(isTable));
    if (v === undefined) return undefined;
    if (v.length === 0) return void this.problem(this.nameOf(key), 'must list at least one');
    return v.map((t, i) => this.child(t, `${this.pathOf(this.nameOf(key))}[${i}]`));
  }

  /** A table met as a value (a field's `{ … }`), read with the same reporting. */
  child(table: Table, path: string): TableKeys {
    return new TableKeys(table, path, (p) => {
      this.bad = true;
      this.report(p);
    });
  }

  /**
   * Reports every key that was not read as an unknown `what` (`known`: the keys the table
   * may have, for suggestions); true when no problem was found.
   */
  done(known: readonly string[], what = 'key'): boolean {
    for (const name of Object.keys(this.table)) {
      if (!this.read.has(name) && this.byLowerName.get(name.toLowerCase()) === name) {
        this.problem(name, `unknown ${what}${didYouMean(name, known)}`);
      }
    }
    return !this.bad;
  }

  private nameOf(key: string): string {
    return this.byLowerName.get(key.toLowerCase()) ?? key;
  }

  private typed<T>(key: string, required: boolean, what: string, is: (v: unknown) => v is T): T | undefined {
    const v = this.value(key);
    if (v === undefined) {
      if (required) this.problem(key, `missing: must be ${what}`);
      return undefined;
    }
    if (is(v)) return v;
    this.problem(this.nameOf(key), `must be ${what}, got ${typeof v === 'object' ? typeName(v) : showValue(v)}`);
    return undefined;
  }
}
