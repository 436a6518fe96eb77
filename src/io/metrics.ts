import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What one finished request adds to the counters. */
export interface RequestOutcome {
  readonly status: number;
  readonly records: number;
  readonly handshakes: number;
  readonly seconds: number;
}

/**
 * The collector's counters, served as Prometheus text on /metrics and, for the earlier
 * collector's users, as the JSON of /stats.
 */
export class CollectorMetrics {
  readonly registry = new Registry();
  private readonly records = new Counter({ name: 'gracc_records_total', help: 'Records confirmed by every sink', registers: [this.registry] });
  private readonly recordErrors = new Counter({ name: 'gracc_record_errors_total', help: 'Records of bundles that were not accepted', registers: [this.registry] });
  private readonly requests = new Counter({ name: 'gracc_requests_total', help: 'Requests answered, by status', labelNames: ['status'], registers: [this.registry] });
  private readonly requestErrors = new Counter({ name: 'gracc_request_errors_total', help: 'Requests answered with anything but 200 OK', registers: [this.registry] });
  private readonly handshakes = new Counter({ name: 'gracc_handshakes_total', help: 'ProbeDetails handshakes and pings acknowledged', registers: [this.registry] });
  private readonly duration = new Histogram({
    name: 'gracc_request_duration_seconds', help: 'Time from request to answer', labelNames: ['status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry],
  });
  readonly inFlightBytes = new Gauge({ name: 'gracc_in_flight_bytes', help: 'Bundle bytes held by requests in flight', registers: [this.registry] });
  readonly sinkUnavailable = new Gauge({ name: 'gracc_sink_unavailable', help: '1 while a sink cannot take bundles (down or blocked)', labelNames: ['sink'], registers: [this.registry] });
  private readonly totals = { Records: 0, RecordErrors: 0, Requests: 0, RequestErrors: 0, Handshakes: 0 };

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  requestDone(outcome: RequestOutcome): void {
    const ok = outcome.status === 200;
    const status = String(outcome.status);
    this.requests.inc({ status });
    this.totals.Requests++;
    this.duration.observe({ status }, outcome.seconds);
    this.handshakes.inc(outcome.handshakes);
    this.totals.Handshakes += outcome.handshakes;
    if (ok) {
      this.records.inc(outcome.records);
      this.totals.Records += outcome.records;
    } else {
      this.requestErrors.inc();
      this.totals.RequestErrors++;
      // A bundle that failed before its records were counted still failed at least one.
      const failed = Math.max(outcome.records, 1);
      this.recordErrors.inc(failed);
      this.totals.RecordErrors += failed;
    }
  }

  /** The /stats document. */
  stats(): Record<string, number> {
    return { ...this.totals };
  }
}
