import type { FieldValue } from './gracc-record';
import { Uint64 } from './uint64';

/**
 * A text with placeholders over a GRACC record's fields, as routing keys, topics, Kafka
 * keys and `set` values are written: `{type}.{VOName:-unknown}`.
 *
 * - `{Name}` is the field's value as text (numbers as JSON writes them, 64-bit counts digit
 *   for digit); a field that is missing, or empty, gives `""`.
 * - `{Name:-default}` gives `default` when the field is missing or empty (as a shell's
 *   `${Name:-default}`); the default is literal text and may be empty.
 * - `{{` and `}}` are a literal `{` and `}`.
 *
 * A field name is any text without `{`, `}` or `:-`. A bad template (an unclosed or stray
 * brace, an empty name) is refused when compiled, with the position.
 */
export interface FieldTemplate {
  /** The template as written. */
  readonly source: string;
  /** The field names it reads, in order of appearance. */
  readonly fields: readonly string[];
  /** True when it has no placeholder: every record gets the same text. */
  readonly constant: boolean;
  render(fields: Readonly<Record<string, FieldValue | undefined>>): string;
}

export class TemplateError extends Error {
  override name = 'TemplateError';
}

type Part = string | { readonly field: string; readonly fallback: string };

export function compileTemplate(source: string): FieldTemplate {
  const parts = parse(source);
  const fields = parts.filter((p): p is Exclude<Part, string> => typeof p !== 'string').map((p) => p.field);
  if (fields.length === 0) {
    const text = parts.join('');
    return { source, fields, constant: true, render: () => text };
  }
  return {
    source,
    fields,
    constant: false,
    render(values) {
      let out = '';
      for (const part of parts) {
        if (typeof part === 'string') out += part;
        else {
          const text = valueText(values[part.field]);
          out += text === '' ? part.fallback : text;
        }
      }
      return out;
    },
  };
}

/** A field's value as a template writes it; '' for a missing field. */
export function valueText(value: FieldValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Uint64) return value.digits;
  return Number.isFinite(value) ? String(value) : '0';
}

function parse(source: string): Part[] {
  const parts: Part[] = [];
  let literal = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '}') {
      if (source[i + 1] !== '}') throw new TemplateError(`unmatched "}" at position ${i} in ${JSON.stringify(source)} (write "}}" for a literal one)`);
      literal += '}';
      i += 2;
      continue;
    }
    if (c !== '{') {
      literal += c;
      i++;
      continue;
    }
    if (source[i + 1] === '{') {
      literal += '{';
      i += 2;
      continue;
    }
    const close = source.indexOf('}', i + 1);
    const open = source.indexOf('{', i + 1);
    if (close < 0 || (open >= 0 && open < close)) {
      throw new TemplateError(`unclosed "{" at position ${i} in ${JSON.stringify(source)}`);
    }
    const body = source.slice(i + 1, close);
    const sep = body.indexOf(':-');
    const field = (sep < 0 ? body : body.slice(0, sep)).trim();
    if (field === '') throw new TemplateError(`empty field name at position ${i} in ${JSON.stringify(source)}`);
    if (literal !== '') parts.push(literal);
    literal = '';
    parts.push({ field, fallback: sep < 0 ? '' : body.slice(sep + 2) });
    i = close + 1;
  }
  if (literal !== '') parts.push(literal);
  return parts;
}
