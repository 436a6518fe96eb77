// How the cluster's primary makes one /metrics of its workers' registries (see ClusterMetrics):
// the collector's own metrics are the whole collector's, added up by each metric's
// aggregator, with the counts of workers that exited kept; every other metric (process_*,
// nodejs_*) is one process's, kept apart by a `pid` label. No IPC in here.
import { AggregatorRegistry, type Registry } from 'prom-client';

/** A registry's metrics as plain data (what `getMetricsAsJSON` gives, and what crosses the cluster's IPC). */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;
type Metric = MetricsJson[number];
type Value = Metric['values'][number] & { metricName?: string };

/** The latest metrics of one process. */
export interface ProcessMetrics {
  readonly pid: number;
  readonly metrics: MetricsJson;
}

/** The collector's own metrics (`gracc_*`) describe the whole collector; the rest, the process they come from. */
const isCollectors = (m: Metric): boolean => m.name.startsWith('gracc_');

/** Counters and histograms only grow: their values are what a worker's exit must not take away. */
const isMonotonic = (m: Metric): boolean => isCollectors(m) && (String(m.type) === 'counter' || String(m.type) === 'histogram');

const seriesKey = (v: Value): string =>
  `${v.metricName ?? ''}\u0000${JSON.stringify(Object.entries(v.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;

/**
 * A process's own metrics, each series labelled with its pid: a worker's open file limit,
 * memory or event-loop lag is not added to another's (nor averaged with it).
 */
export function perProcess({ pid, metrics }: ProcessMetrics): MetricsJson {
  return metrics
    .filter((m) => !isCollectors(m))
    // 'first': each pid's series is one process's (and 'omit', e.g. process_start_time_seconds', would drop it).
    .map((m) => ({ ...m, aggregator: 'first', values: m.values.map((v) => ({ ...v, labels: { ...v.labels, pid } })) }) as Metric);
}

/**
 * The totals of the workers that exited, with one more worker's last metrics added: its
 * counters and histograms, series by series (its gauges go with it).
 */
export function retire(retired: MetricsJson, last: MetricsJson): MetricsJson {
  const byName = new Map<string, { metric: Metric; series: Map<string, Value> }>();
  for (const m of [...retired, ...last.filter(isMonotonic)]) {
    let entry = byName.get(m.name);
    if (!entry) byName.set(m.name, (entry = { metric: m, series: new Map() }));
    for (const v of m.values as Value[]) {
      const key = seriesKey(v);
      const sum = entry.series.get(key);
      entry.series.set(key, sum ? { ...sum, value: sum.value + v.value } : { ...v });
    }
  }
  return [...byName.values()].map(({ metric, series }) => ({ ...metric, values: [...series.values()] }) as Metric);
}

/**
 * The whole cluster's metrics as one registry: the live workers' collector metrics added up
 * by each metric's aggregator (counters and histograms summed, gauges as declared: the
 * in-flight bytes summed, a sink's unavailability the worst of them), the exited workers'
 * totals added in, and every process's own metrics (the primary's too) by pid.
 */
export function aggregateCluster(live: readonly ProcessMetrics[], retired: MetricsJson, primary?: ProcessMetrics): Registry {
  const processes = primary ? [...live, primary] : live;
  return AggregatorRegistry.aggregate([...live.map((w) => w.metrics.filter(isCollectors)), retired, ...processes.map(perProcess)]);
}
