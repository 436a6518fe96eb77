import type { CompiledSchema } from './schema';

const HIDDEN = '***';

/** A copy of a config fit for logging: every sensitive key (a password) replaced by "***", set or not. */
export function describeWith<C extends object>(schema: CompiledSchema, config: C): C {
  const copy = structuredClone(config);
  for (const leaf of schema.leaves) {
    if (!leaf.sensitive) continue;
    const names = leaf.path.split('.');
    let table = copy as Record<string, unknown>;
    for (const name of names.slice(0, -1)) table = table[name] as Record<string, unknown>;
    table[names.at(-1)!] = HIDDEN;
  }
  return copy;
}
