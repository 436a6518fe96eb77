// convict formats for the config schema. Each `coerce` turns an env/TOML string into the
// schema's type when it can, and otherwise hands the string on unchanged so that `validate`
// rejects it with a message naming the bad value (convict prefixes the key).
import convict from 'convict';
import { compileTemplate, TemplateError } from '../records/field-template';
import { parseDuration, parseSize } from './units';

/** Extra schema-item properties our formats read. */
interface ItemOptions {
  sensitive?: boolean;
  /** durations and sizes: 0 is not allowed */
  positive?: boolean;
}

/**
 * convict appends ": value was <JSON>" to a format error unless the key is sensitive, by setting
 * `err.value`. Our messages already say ", got <value>" (hidden for sensitive keys), so the
 * setter here drops what convict assigns.
 */
class FormatError extends Error {
  get value(): undefined {
    return undefined;
  }
  set value(_ignored: unknown) {
    // deliberately ignored, see above
  }
}

export function typeName(x: unknown): string {
  if (Array.isArray(x)) return 'an array';
  if (x === null) return 'null';
  if (x instanceof Date) return 'a date-time';
  if (typeof x === 'object') return 'a table';
  return `a ${typeof x}`;
}

/** How a rejected value is shown in an error: JSON, or only its type for sensitive keys. */
export function showValue(x: unknown, sensitive = false): string {
  if (sensitive) return `${typeName(x)} (value hidden)`;
  if (x === undefined) return 'nothing';
  if (typeof x === 'number') return String(x);
  if (Array.isArray(x)) return x.every((e) => e === null || typeof e !== 'object') ? JSON.stringify(x) : typeName(x);
  if (typeof x === 'object' && x !== null) return typeName(x);
  return JSON.stringify(x) ?? String(x);
}

function fail(what: string, x: unknown, item: ItemOptions | undefined, why?: string): never {
  throw new FormatError(`${what}, got ${showValue(x, item?.sensitive)}${why ? `: ${why}` : ''}`);
}

/** `invalid duration "10x": unknown unit ...` -> `unknown unit ...` */
function reason(e: unknown, kind: string, x: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const prefix = `invalid ${kind} ${typeof x === 'string' ? JSON.stringify(x) : String(x)}: `;
  return msg.startsWith(prefix) ? msg.slice(prefix.length) : msg;
}

const TRUE = new Set(['true', '1']);
const FALSE = new Set(['false', '0']);
const WHOLE = /^\s*\d+\s*$/;
const BROKER = /^(\[[0-9a-fA-F:.]+\]|[^\s:,[\]]+):(\d{1,5})$/;

/** One of `values`, any case (see items.ts `oneOf`). */
export function enumFormat(values: readonly string[], aliases: Readonly<Record<string, string>> = {}): convict.Format {
  const shown = values.map((v) => JSON.stringify(v)).join(', ');
  return {
    coerce: (s: string) => {
      const v = s.trim().toLowerCase();
      return Object.hasOwn(aliases, v) ? aliases[v] : v;
    },
    validate(x: unknown, item?: ItemOptions) {
      if (typeof x !== 'string' || !values.includes(x)) fail(`must be one of ${shown}`, x, item);
    },
  };
}

export const FORMATS: Record<string, convict.Format> = {
  'gracc-string': {
    validate(x: unknown, item?: ItemOptions) {
      if (typeof x !== 'string') fail('must be a string', x, item);
    },
  },
  // Kept as written; each sink compiles it again when it is created.
  'gracc-template': {
    validate(x: unknown, item?: ItemOptions) {
      if (typeof x !== 'string') fail('must be a string', x, item);
      try {
        compileTemplate(x);
      } catch (e) {
        if (e instanceof TemplateError) throw new FormatError(e.message);
        throw e;
      }
    },
  },
  'gracc-bool': {
    coerce: (s: string) => {
      const v = s.trim().toLowerCase();
      return TRUE.has(v) ? true : FALSE.has(v) ? false : s;
    },
    validate(x: unknown, item?: ItemOptions) {
      if (typeof x !== 'boolean') fail('must be true or false', x, item);
    },
  },
  'gracc-port': {
    // the earlier collector's files write ports as strings: port = "5672"
    coerce: (s: string) => (WHOLE.test(s) ? Number(s) : s),
    validate(x: unknown, item?: ItemOptions) {
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 65535) {
        fail('must be a port number', x, item);
      }
    },
  },
  'gracc-count': {
    coerce: (s: string) => (WHOLE.test(s) ? Number(s) : s),
    validate(x: unknown, item?: ItemOptions) {
      if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) fail('must be a whole number >= 0', x, item);
    },
  },
  // Kept as the string in convict; load.ts converts to milliseconds after validation.
  'gracc-duration': {
    validate(x: unknown, item?: ItemOptions) {
      const what = `must be a ${item?.positive ? 'positive ' : ''}duration such as "10s" or "1h30m"`;
      if (typeof x !== 'string') fail(what, x, item);
      let ms: number;
      try {
        ms = parseDuration(x);
      } catch (e) {
        fail(what, x, item, reason(e, 'duration', x));
      }
      if (ms < 0 || (item?.positive && ms === 0)) fail(what, x, item);
    },
  },
  // Kept as given in convict; load.ts converts to bytes after validation.
  'gracc-size': {
    validate(x: unknown, item?: ItemOptions) {
      const what = `must be a ${item?.positive ? 'positive ' : ''}size in bytes, or a string such as "64MiB" or "512KB"`;
      if (typeof x !== 'string' && typeof x !== 'number') fail(what, x, item);
      let bytes: number;
      try {
        bytes = parseSize(x);
      } catch (e) {
        fail(what, x, item, reason(e, 'size', x));
      }
      if (item?.positive && bytes === 0) fail(what, x, item);
    },
  },
  // TOML array of "host:port", or (env, and the earlier collector's files) a comma-separated string.
  'gracc-brokers': hostPorts(false),
  // The same, where an empty list means "not used" (`[amqp] hosts`, which `host` and `port` stand in for).
  'gracc-host-list': hostPorts(true),
};

/** A list of "host:port": TOML array, or (env, the earlier collector's files) a comma-separated string. */
function hostPorts(mayBeEmpty: boolean): convict.Format {
  return {
    coerce: (s: string) =>
      s
        .split(',')
        .map((b) => b.trim())
        .filter((b) => b !== ''),
    validate(x: unknown, item?: ItemOptions) {
      const what = `must be a list of ${mayBeEmpty ? '' : 'one or more '}"host:port" strings`;
      if (!Array.isArray(x) || (!mayBeEmpty && x.length === 0)) fail(what, x, item);
      for (const b of x) {
        const m = typeof b === 'string' ? BROKER.exec(b) : null;
        const port = m ? Number(m[2]) : 0;
        if (port < 1 || port > 65535) fail(what, x, item, `bad entry ${showValue(b)}`);
      }
    },
  };
}

let registered = false;

/**
 * Registers the formats with convict (a process-wide registry): these once, and the items'
 * own (`oneOf`) each time a schema is compiled.
 */
export function registerFormats(own: Readonly<Record<string, convict.Format>> = {}): void {
  if (!registered) convict.addFormats(FORMATS);
  registered = true;
  convict.addFormats(own);
}
