import fs from 'node:fs';

/**
 * A mapping table file, as `set`'s `lookup` reads it: one `key,value` a line, split at the
 * first comma (a value may hold commas), spaces around either trimmed; blank lines and lines
 * starting with `#` are left out. A line without a comma, an empty key or a key given twice
 * is an error naming the line. Read once, at start.
 */
export function readMappingFile(file: string): Map<string, string> {
  const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const table = new Map<string, string>();
  const lineOf = new Map<string, number>();
  text.split(/\r?\n/).forEach((line, i) => {
    const n = i + 1;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const comma = trimmed.indexOf(',');
    if (comma < 0) throw new Error(`line ${n}: not key,value: ${JSON.stringify(trimmed)}`);
    const key = trimmed.slice(0, comma).trim();
    if (key === '') throw new Error(`line ${n}: empty key`);
    const earlier = lineOf.get(key);
    if (earlier !== undefined) throw new Error(`line ${n}: key ${JSON.stringify(key)} is already on line ${earlier}`);
    table.set(key, trimmed.slice(comma + 1).trim());
    lineOf.set(key, n);
  });
  return table;
}
