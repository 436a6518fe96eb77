import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let version: string | undefined;

/** The installed package's version, read once from its package.json (dist/src/main/version.js → ../../../). */
export function packageVersion(): string {
  return (version ??= (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version);
}
