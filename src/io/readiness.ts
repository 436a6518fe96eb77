import { combineLatest, map, of } from 'rxjs';
import type { Sink } from '../contracts/sink';

/**
 * What /readyz reports for this process's sinks: one reason for each sink that is
 * unavailable (`unavailable$`) or degraded (`degraded$`), as `<sink>: <reason>`; none when
 * every sink is ready. Kept up to date from the sinks' states, read at each request.
 */
export function readinessOf(sinks: readonly Sink[]): () => readonly string[] {
  if (sinks.length === 0) return () => [];
  let reasons: readonly string[] = ['the sinks have not reported their state yet'];
  const perSink = sinks.map((s) =>
    combineLatest([s.unavailable$, s.degraded$ ?? of(null)]).pipe(
      map(([unavailable, degraded]) => [unavailable, degraded].filter((why) => why !== null).map((why) => `${s.name}: ${why}`)),
    ));
  combineLatest(perSink).subscribe((lists) => (reasons = lists.flat()));
  return () => reasons;
}
