import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Realistic JobUsageRecords for benchmarks: the records of the real replication bundle in
// ../shared/conformance, re-numbered so every generated record has its own id.
/** The shared contracts folder beside the worktree (GRACC_SHARED to point elsewhere). */
export const SHARED = process.env['GRACC_SHARED'] ?? join(__dirname, '..', '..', '..', 'shared');

function templates(): string[] {
  const bundle = readFileSync(join(SHARED, 'conformance', 'bundles', 'replication-15.bundle'), 'utf8');
  return bundle.split('|replication|').map((g) => g.replace(/^replication\|/, '').split('|')[0]!.trim());
}

let cached: string[] | undefined;

/** `count` distinct JobUsageRecords; ids carry `tag` so separate runs do not collide. */
export function sampleRecords(count: number, tag = 'bench'): string[] {
  cached ??= templates();
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const t = cached[i % cached.length]!;
    out.push(t.replace(/recordId="([^"]*)"/, (_, id: string) => `recordId="${id}:${tag}:${i}"`));
  }
  return out;
}

export function envelopeOf(records: readonly string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<RecordEnvelope>\n${records.join('\n')}\n</RecordEnvelope>\n`;
}

export function replicationOf(records: readonly string[]): string {
  return records.map((r) => `replication|${r}|${r}||`).join('');
}
