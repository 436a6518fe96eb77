import type { IncomingMessage, ServerResponse } from 'node:http';
import { Session } from 'node:inspector';

/**
 * Node's equivalents of Go's /debug/pprof: `profile?seconds=N` records a CPU profile
 * (open it in Chrome DevTools or speedscope), `heap` streams a heap snapshot.
 * Returns false for any other path.
 */
export function servePprof(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  if (path === '/debug/pprof/profile') {
    const seconds = Math.min(Math.max(Number(new URL(req.url ?? '', 'http://x').searchParams.get('seconds') ?? 30) || 30, 1), 300);
    void cpuProfile(seconds).then(
      (profile) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Disposition': 'attachment; filename="gracc-collector.cpuprofile"' });
        res.end(profile);
      },
      (e: Error) => res.writeHead(500).end(`Error: ${e.message}`),
    );
    return true;
  }
  if (path === '/debug/pprof/heap') {
    const session = new Session();
    session.connect();
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Disposition': 'attachment; filename="gracc-collector.heapsnapshot"' });
    session.on('HeapProfiler.addHeapSnapshotChunk', (m) => res.write(m.params.chunk));
    session.post('HeapProfiler.takeHeapSnapshot', undefined, () => {
      session.disconnect();
      res.end();
    });
    return true;
  }
  if (path === '/debug/pprof/' || path === '/debug/pprof') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('/debug/pprof/profile?seconds=N  CPU profile (.cpuprofile)\n/debug/pprof/heap               heap snapshot (.heapsnapshot)\n');
    return true;
  }
  return false;
}

function cpuProfile(seconds: number): Promise<string> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
  return post('Profiler.enable')
    .then(() => post('Profiler.start'))
    .then(() => new Promise((r) => setTimeout(r, seconds * 1000)))
    .then(() => post('Profiler.stop'))
    .then((r) => JSON.stringify((r as { profile: unknown }).profile))
    .finally(() => session.disconnect());
}
