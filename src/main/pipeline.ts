// The records pipeline the HTTP edge hands its requests to, as one "generation" at a time: the
// sinks and request options built from one whole configuration. A reload builds the next
// generation and swaps it in; each request runs on the generation current when it started, so
// a bundle is published wholly to the old sinks or wholly to the new ones; a generation
// replaced closes its sinks once its last request was answered.
import type bunyan from 'bunyan';
import { combineLatest, defer, filter, finalize, first, firstValueFrom, map, of, timeout } from 'rxjs';
import type { RequestHandler } from '../contracts/request-handler';
import type { Sink } from '../contracts/sink';
import type { SinkMetrics } from '../contracts/sink-metrics';
import type { CollectorMetrics } from '../io/metrics';
import { type SinkWatch, watchSinks } from '../io/readiness';
import type { ByteBudget } from '../operators/within-budget';
import { handleRequest, type RequestOptions } from '../streams/handle-request';
import { buildTransformChain } from '../transforms/chain';
import type { TransformTally } from '../transforms/transform';
import type { CollectorConfig } from './config';
import { createSinks } from './sinks';

/** What every generation of a process shares. */
export interface PipelineContext {
  /** `maxInFlightBytes`, this process's share: one budget across generations (it needs a restart to change). */
  readonly budget: ByteBudget;
  readonly metrics: CollectorMetrics;
  readonly log: bunyan;
}

/**
 * The options of every request of a generation: all of them from its configuration, the
 * [[transforms]] built into one chain (counted by `transformTally`, by each one's name).
 */
export function requestOptionsOf(
  config: CollectorConfig, sinks: readonly Sink[], budget: ByteBudget, sinkMetrics?: SinkMetrics, transformTally?: (name: string) => TransformTally,
): RequestOptions {
  return {
    sinks, sinkMetrics, timeoutMs: config.timeout, maxBodySize: config.maxBodySize, budget, idleTimeoutMs: config.idleTimeout, minBodyRate: config.minBodyRate,
    transforms: buildTransformChain(config.transforms, transformTally),
  };
}

/** The sinks and request options of one configuration, and the requests running on them. */
class Generation {
  readonly sinks: readonly Sink[];
  private readonly options: RequestOptions;
  private inFlight = 0;
  private watch: SinkWatch | undefined;
  private retired = false;
  private closing: Promise<void> | undefined;
  private whenClosed!: () => void;
  /** Settles once this generation's sinks are closed (after it was retired and its last request answered). */
  readonly closed = new Promise<void>((resolve) => (this.whenClosed = resolve));

  constructor(readonly config: CollectorConfig, private readonly context: PipelineContext) {
    this.sinks = createSinks(config, context.log, context.metrics.sinks);
    this.options = requestOptionsOf(config, this.sinks, context.budget, context.metrics.sinks, (name) => context.metrics.transformTally(name));
  }

  /** One request on this generation; counted in flight until its answer (or its unsubscription). */
  run(...[body$, query, summary]: Parameters<RequestHandler>): ReturnType<RequestHandler> {
    this.inFlight++;
    return handleRequest(body$, query, this.options, summary).pipe(finalize(() => {
      if (--this.inFlight === 0 && this.retired) this.close();
    }));
  }

  /** Resolves true once every sink can take bundles, false if they could not within `ms`. */
  ready(ms: number): Promise<boolean> {
    if (this.sinks.length === 0) return Promise.resolve(true);
    return firstValueFrom(combineLatest(this.sinks.map((s) => s.unavailable$)).pipe(
      filter((reasons) => reasons.every((why) => why === null)),
      first(),
      map(() => true),
      timeout({ first: ms, with: () => of(false) }),
    ));
  }

  /** Serving: its sinks' readiness for /readyz, their gauge and log lines. */
  activate(): void {
    this.watch = watchSinks(this.sinks, this.context.metrics, this.context.log);
  }

  readiness(): readonly string[] {
    return this.watch?.reasons() ?? [];
  }

  /** No new request comes to it: its sinks close once the requests in flight are answered. */
  retire(): Promise<void> {
    this.retired = true;
    this.watch?.stop();
    this.watch = undefined;
    if (this.inFlight === 0) this.close();
    return this.closed;
  }

  private close(): void {
    this.closing ??= Promise.all(this.sinks.map((s) =>
      s.close().catch((err: unknown) => this.context.log.error({ err, sink: s.name }, 'closing a sink failed')))).then(() => this.whenClosed());
  }
}

/** The composition root's current generation, swapped by reloads. */
export class Pipeline {
  private current: Generation;
  /** Generations being built (awaiting their sinks) or retired and not yet closed. */
  private readonly others = new Set<Generation>();
  private swaps: Promise<unknown> = Promise.resolve();
  private closing = false;

  constructor(config: CollectorConfig, private readonly context: PipelineContext) {
    this.current = new Generation(config, context);
    this.current.activate();
  }

  /** What the HTTP edge calls for each request: it runs on the generation current at its start. */
  readonly handle: RequestHandler = (body$, query, summary) => defer(() => this.current.run(body$, query, summary));

  get config(): CollectorConfig {
    return this.current.config;
  }

  get sinks(): readonly Sink[] {
    return this.current.sinks;
  }

  /** /readyz: the current sinks' reasons. */
  readiness(): readonly string[] {
    return this.current.readiness();
  }

  /**
   * Builds a generation from `config` and, once its sinks are connected (or `timeout` passed:
   * the configuration is valid, the broker may come later), makes it the current one; the old
   * one closes its sinks when its requests are answered. Swaps are done one after the other.
   * Throws (keeping the current generation) when a sink cannot be made.
   */
  swap(config: CollectorConfig): Promise<void> {
    const next = this.swaps.then(async () => {
      if (this.closing) return;
      const generation = new Generation(config, this.context);
      this.others.add(generation);
      const ready = await generation.ready(config.timeout);
      if (this.closing) return; // close() retired it meanwhile
      if (!ready) {
        this.context.log.warn({ timeoutMs: config.timeout, sinks: generation.sinks.map((s) => s.name) }, 'reload: the new sinks did not all connect in time; using them anyway');
      }
      const old = this.current;
      old.retire().then(() => this.others.delete(old), () => {});
      this.others.add(old);
      this.current = generation;
      this.others.delete(generation);
      generation.activate();
    });
    this.swaps = next.catch(() => {});
    return next;
  }

  /** Closes every generation's sinks (the current one's, those still closing); call once the HTTP edge drained. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([this.current, ...this.others].map((g) => g.retire()));
  }
}
