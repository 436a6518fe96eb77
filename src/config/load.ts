// Loads a configuration: defaults, then the TOML file (or, without one, the quickstart overlay),
// then GRACC_* environment variables; validates it and converts durations and sizes.
// The collector's own definition (its keys and its sinks') is put together in src/main/config.ts.
import fs from 'node:fs';
import path from 'node:path';
import convict from 'convict';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigError } from './errors';
import { registerFormats, showValue, typeName } from './formats';
import type { ConfigOf, Definition } from './items';
import type { CompiledSchema, GroupSpec } from './schema';

export interface LoadConfigOptions {
  /** TOML file (`-c`); without one, the file sink is on and AMQP off */
  file?: string;
  /** defaults to process.env; only GRACC_* variables are read, empty ones count as unset */
  env?: Record<string, string | undefined>;
}

/**
 * Reads one top-level array of tables (`[[transforms]]`), which convict cannot: its value as
 * the file wrote it (undefined when absent, or without a file), the folder relative file
 * names in it are taken from (the config file's), and where to report each problem (one
 * line, naming the key).
 */
export type ArrayReader<V> = (value: unknown, baseDir: string, report: (problem: string) => void) => V;

/** What the collector's configuration adds to its definition's schema. */
export interface ConfigPlan<C, X extends object = object> {
  readonly schema: CompiledSchema;
  /** The arrays of tables read by code of their own, by key (matched in any case); no environment variable sets them. */
  readonly arrays?: { readonly [K in keyof X]: ArrayReader<X[K]> };
  /** Applied over the defaults when no file is given. */
  readonly withoutFile: object;
  /** Problems across keys (one line each, naming the key), once every key is valid on its own. */
  readonly check?: (config: C, raw: Record<string, unknown>) => readonly string[];
}

const ENV_PREFIX = 'GRACC_';

/** Throws ConfigError, naming every bad key, variable or value, on any problem. */
export function loadWith<D extends Definition, X extends object = object>(plan: ConfigPlan<ConfigOf<D> & X, X>, options: LoadConfigOptions = {}): ConfigOf<D> & X {
  const { schema } = plan;
  const ENV_VARS = schema.envVars;
  registerFormats(schema.formats);
  const problems: string[] = [];

  // The file: case-folded onto the schema's key names, unknown keys reported.
  const fileLabel = `config file ${options.file ?? ''}`;
  const fromFile = new Set<string>();
  let fileValues: Record<string, unknown> | undefined;
  const arrayValues: Record<string, unknown> = {};
  if (options.file !== undefined) {
    const table = readToml(options.file, fileLabel);
    const arrayNames = new Map(Object.keys(plan.arrays ?? {}).map((name) => [name.toLowerCase(), name]));
    const rest: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(table)) {
      const name = arrayNames.get(key.toLowerCase());
      if (name === undefined) rest[key] = value;
      else if (name in arrayValues) problems.push(`${fileLabel}: ${name} is set more than once (keys differing only in case)`);
      else arrayValues[name] = value;
    }
    fileValues = foldTable(rest, schema.tree, (p) => problems.push(`${fileLabel}: ${p}`), fromFile);
  }
  const baseDir = options.file === undefined ? process.cwd() : path.dirname(path.resolve(options.file));
  const arrays: Record<string, unknown> = {};
  for (const [name, read] of Object.entries(plan.arrays ?? {}) as [string, ArrayReader<unknown>][]) {
    arrays[name] = read(arrayValues[name], baseDir, (p) => problems.push(`${fileLabel}: ${p}`));
  }

  // The environment: GRACC_* variables must all be known.
  const env: Record<string, string> = {};
  const fromEnv = new Map<string, string>();
  for (const [name, value] of Object.entries(options.env ?? process.env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined || value === '') continue;
    const leaf = ENV_VARS.get(name);
    if (leaf === undefined) {
      problems.push(`unknown environment variable ${name}${didYouMean(name, [...ENV_VARS.keys()])}`);
      continue;
    }
    env[name] = value;
    fromEnv.set(leaf.path, name);
  }

  // convict: defaults, then file (or the no-file overlay), then env on top; then validation.
  const config = convict<Record<string, unknown>>(schema.convict as convict.Schema<Record<string, unknown>>, { env, args: [] });
  config.load(fileValues ?? plan.withoutFile);
  try {
    config.validate({ allowed: 'strict' });
  } catch (e) {
    for (const line of (e instanceof Error ? e.message : String(e)).split('\n')) {
      const key = /^([A-Za-z][\w.]*): /.exec(line)?.[1] ?? '';
      const envVar = fromEnv.get(key);
      if (envVar !== undefined) problems.push(`environment variable ${envVar}: ${line}`);
      else if (fromFile.has(key)) problems.push(`${fileLabel}: ${line}`);
      else problems.push(line);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const raw = config.getProperties();
  const result = { ...finished(raw, schema.tree), ...arrays } as ConfigOf<D> & X;
  const across = plan.check?.(result, raw) ?? [];
  if (across.length > 0) throw new ConfigError(across);
  return result;
}

function readToml(file: string, label: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${label}: cannot read it: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    return parseToml(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    if (e instanceof TomlError) {
      // The message goes on with an excerpt of the file, which may hold a password: leave it out.
      const what = (e.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
      throw new ConfigError(`${label}: invalid TOML at line ${e.line}, column ${e.column}: ${what}`);
    }
    throw new ConfigError(`${label}: cannot parse it`);
  }
}

function isTable(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Date);
}

/**
 * Renames the keys of a TOML table to the schema's spelling (case-insensitively), recursively,
 * into `out`. Tables whose names differ only in case ([kafka] and [Kafka.sasl]) are merged.
 * Reports unknown keys, a value set twice under different case, and tables or values in the
 * wrong place; records the paths of the values that were set in `seen`.
 */
function foldTable(
  table: Record<string, unknown>,
  group: GroupSpec,
  report: (problem: string) => void,
  seen: Set<string>,
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  const prefix = group.path ? `${group.path}.` : '';
  for (const [key, value] of Object.entries(table)) {
    const hit = group.children.get(key.toLowerCase());
    if (hit === undefined) {
      const names = [...group.children.values()].map((c) => c.name);
      report(`unknown ${isTable(value) ? 'table' : 'key'} ${prefix}${key}${didYouMean(key, names, prefix)}`);
      continue;
    }
    const { name, spec } = hit;
    if (spec.kind === 'group') {
      const into = out[name];
      if (isTable(value)) out[name] = foldTable(value, spec, report, seen, isTable(into) ? into : {});
      else report(`${spec.path}: must be a table, got ${typeName(value)}`);
    } else if (name in out) {
      report(`${spec.path} is set more than once (keys differing only in case)`);
    } else if (isTable(value) || value instanceof Date) {
      report(`${spec.path}: must be a single value, got ${showValue(value, spec.sensitive)}`);
    } else {
      out[name] = value;
      seen.add(spec.path);
    }
  }
  return out;
}

/** convict's values as the typed configuration: durations in ms, sizes in bytes, ignored keys left out. */
function finished(raw: Record<string, unknown>, group: GroupSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { name, spec } of group.children.values()) {
    if (spec.kind === 'group') out[name] = finished(raw[name] as Record<string, unknown>, spec);
    else if (!spec.deprecated) out[name] = spec.item.finish ? (spec.item.finish as (v: unknown) => unknown)(raw[name]) : raw[name];
  }
  return out;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** ` (did you mean X?)` for a close misspelling of one of `candidates`, else ''. */
export function didYouMean(given: string, candidates: readonly string[], prefix = ''): string {
  let best: string | undefined;
  let bestDistance = 3; // suggest only close misspellings
  for (const c of candidates) {
    const d = editDistance(given.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best === undefined ? '' : ` (did you mean ${prefix}${best}?)`;
}
