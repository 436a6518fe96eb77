import type bunyan from 'bunyan';
import { combineLatest, map, of, Subscription } from 'rxjs';
import type { Sink } from '../contracts/sink';
import type { CollectorMetrics } from './metrics';

/** A set of sinks watched: their readiness for /readyz, until `stop`. */
export interface SinkWatch {
  /** This process's reasons for /readyz: one for each sink unavailable or degraded; none when all are ready. */
  reasons(): readonly string[];
  /** Stops watching (the sinks are being replaced): their gauges are removed, their changes no longer logged. */
  stop(): void;
}

/**
 * Watches a set of sinks while they serve: what /readyz reports for them (one reason for each
 * sink that is unavailable, `unavailable$`, or degraded, `degraded$`, as `<sink>: <reason>`),
 * the `gracc_sink_unavailable` gauge, and a log line at each change of availability.
 */
export function watchSinks(sinks: readonly Sink[], metrics: CollectorMetrics, log: bunyan): SinkWatch {
  const subscription = new Subscription();
  for (const sink of sinks) {
    subscription.add(sink.unavailable$.subscribe((why) => {
      metrics.sinkUnavailable.set({ sink: sink.name }, why === null ? 0 : 1);
      if (why === null) log.info({ sink: sink.name }, 'sink ready');
      else log.warn({ sink: sink.name, reason: why }, 'sink unavailable');
    }));
  }
  let reasons: readonly string[] = sinks.length === 0 ? [] : ['the sinks have not reported their state yet'];
  const perSink = sinks.map((s) =>
    combineLatest([s.unavailable$, s.degraded$ ?? of(null)]).pipe(
      map(([unavailable, degraded]) => [unavailable, degraded].filter((why) => why !== null).map((why) => `${s.name}: ${why}`)),
    ));
  if (sinks.length > 0) subscription.add(combineLatest(perSink).subscribe((lists) => (reasons = lists.flat())));
  return {
    reasons: () => reasons,
    stop() {
      subscription.unsubscribe();
      for (const sink of sinks) metrics.sinkUnavailable.remove({ sink: sink.name });
    },
  };
}

/** A sink that can say which of its several broker nodes it is connected to (AMQP with `hosts`). */
interface NodeReporting {
  nodeInUse?(): string | null;
}

/** The broker nodes these sinks use, where they have several (` (amqp: amqps://b:5671)`), or ''. */
export function nodesInUse(sinks: readonly Sink[]): string {
  const nodes = sinks.flatMap((s) => {
    const node = (s as NodeReporting).nodeInUse?.() ?? null;
    return node === null ? [] : [`${s.name}: ${node}`];
  });
  return nodes.length === 0 ? '' : ` (${nodes.join('; ')})`;
}
