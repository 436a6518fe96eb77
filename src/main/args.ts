// The command line, in the syntax of Go's flag package, which the earlier collector used (so a
// site's unit file runs unchanged): a flag is `-name` or `--name`; a flag that takes a value
// gets it as the next argument (`-c FILE`) or after `=` (`-c=FILE`); a boolean flag alone is
// true, and takes a value only after `=` (`--connect=false`). `--` ends the flags. Unlike Go's,
// flags may also come after the first argument that is not one (`convert FILE --format xml`).
import { UsageError } from './usage-error';

export interface FlagSpec {
  /** Its spellings, without dashes: `['c', 'config']`. */
  readonly names: readonly string[];
  readonly type: 'string' | 'boolean';
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export type FlagValues<S extends FlagSpecs> = { -readonly [K in keyof S]?: S[K]['type'] extends 'boolean' ? boolean : string };

export interface ParsedArgs<S extends FlagSpecs> {
  readonly flags: FlagValues<S>;
  /** The arguments that are not flags (`-` alone is one: standard input). */
  readonly positional: readonly string[];
}

// Go's strconv.ParseBool.
const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/** Parses `args` against `specs`; throws UsageError (ending with `usage`) on an unknown flag or a missing or bad value. A flag given twice counts by its last value, as in Go. */
export function parseArgs<S extends FlagSpecs>(args: readonly string[], specs: S, usage: string): ParsedArgs<S> {
  const byName = new Map<string, [keyof S, FlagSpec]>();
  for (const [key, spec] of Object.entries(specs)) for (const name of spec.names) byName.set(name, [key, spec]);
  const flags: Record<string, string | boolean> = {};
  const positional: string[] = [];
  const fail = (what: string): never => {
    throw new UsageError(`${what}\n${usage}`);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (a === '-' || !a.startsWith('-')) {
      positional.push(a);
      continue;
    }
    const body = a.slice(a.startsWith('--') ? 2 : 1);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const hit = byName.get(name);
    if (name === '' || name.startsWith('-') || hit === undefined) fail(`unknown flag ${a}`);
    const [key, spec] = hit!;
    if (spec.type === 'boolean') {
      const text = eq < 0 ? 'true' : body.slice(eq + 1);
      if (!TRUE.has(text) && !FALSE.has(text)) fail(`-${name} takes true or false, not ${JSON.stringify(text)}`);
      flags[key as string] = TRUE.has(text);
    } else if (eq >= 0) {
      flags[key as string] = body.slice(eq + 1);
    } else {
      const next = args[++i];
      if (next === undefined) fail(`-${name} needs a value`);
      flags[key as string] = next!;
    }
  }
  return { flags: flags as FlagValues<S>, positional };
}

/** The flags `serve` and `validate` share. */
export const CONFIG_FLAG = { names: ['c', 'config'], type: 'string' } as const satisfies FlagSpec;
export const HELP_FLAG = { names: ['h', 'help'], type: 'boolean' } as const satisfies FlagSpec;
export const VERSION_FLAG = { names: ['v', 'version'], type: 'boolean' } as const satisfies FlagSpec;
