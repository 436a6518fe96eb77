// What the file sink needs of the file system, checked with the configuration (start-up,
// reload, `validate`) rather than at the first bundle: a directory it can create the file in,
// or a file it can append to.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { FileConfig } from './config';

export function checkFileConfig(config: FileConfig): string[] {
  if (!config.enable) return [];
  const path = resolve(config.path);
  const problem = (what: string): string[] => [`file.path: ${what} (${JSON.stringify(config.path)}, in ${process.cwd()})`];
  let stats;
  try {
    stats = statSync(path, { throwIfNoEntry: false });
  } catch (e) {
    return problem(`cannot look at it: ${(e as Error).message}`);
  }
  const target = stats ? path : dirname(path);
  if (stats && !stats.isFile()) return problem('is not a regular file');
  if (!stats) {
    const dir = statSync(target, { throwIfNoEntry: false });
    if (!dir) return problem(`its directory ${target} does not exist`);
    if (!dir.isDirectory()) return problem(`${target} is not a directory`);
  }
  try {
    accessSync(target, stats ? constants.W_OK : constants.W_OK | constants.X_OK);
  } catch {
    return problem(stats ? 'the file is not writable' : `cannot create the file in ${target}`);
  }
  return [];
}
