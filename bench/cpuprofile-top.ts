// Prints where a V8 CPU profile (`node --cpu-prof`, or /debug/pprof/profile) spent its time:
// the top functions by self time, and by total time (self + callees), as shares of the samples.
// Usage: node dist/bench/cpuprofile-top.js FILE.cpuprofile [TOP=25] [FILTER]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg, filter] = process.argv.slice(2);
if (!file) {
  console.error('usage: cpuprofile-top FILE.cpuprofile [TOP] [FILTER]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const label = (n: ProfileNode): string => {
  const f = n.callFrame;
  const where = f.url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, '~/').replace(/.*\/dist\//, '');
  return `${f.functionName || '(anonymous)'} ${where ? `${where}:${f.lineNumber + 1}` : ''}`.trim();
};

const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  all += dt;
  const node = byId.get(id)!;
  self.set(label(node), (self.get(label(node)) ?? 0) + dt);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur)!);
    if (seen.has(l)) continue;
    seen.add(l);
    total.set(l, (total.get(l) ?? 0) + dt);
  }
});

const show = (title: string, m: Map<string, number>): void => {
  console.log(`\n${title} (of ${(all / 1e6).toFixed(2)} s sampled)`);
  [...m.entries()]
    .filter(([l]) => !filter || l.includes(filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([l, t]) => console.log(`${((100 * t) / all).toFixed(1).padStart(5)}%  ${l}`));
};
/** Self time by where the code lives: a coarse map of the profile. */
function area(l: string): string {
  const m = /^(\S+) (.*)$/.exec(l);
  const fn = m ? m[1]! : l;
  const where = m ? m[2]! : '';
  if (where.startsWith('~/')) return `npm ${where.slice(2).split('/')[0]}`;
  if (where.startsWith('src/')) return where.split('/').slice(0, 2).join('/');
  if (where.startsWith('node:')) return where.startsWith('node:internal/streams') ? 'node streams' : `node ${where.split(':')[1]!.replace(/^internal\//, '').split('/')[0]}`;
  if (where.includes('cjs/internal')) return 'npm rxjs';
  if (fn.startsWith('(')) return fn;
  return where === '' ? `native ${fn}` : where;
}
const areas = new Map<string, number>();
for (const [l, t] of self) areas.set(area(l), (areas.get(area(l)) ?? 0) + t);
show('self time', self);
show('total time', total);
show('self time by area', areas);
