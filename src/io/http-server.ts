import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type bunyan from 'bunyan';
import { combineLatest, map, type Observable, of, throwError } from 'rxjs';
import type { Answer } from '../contracts/answer';
import { BodyTooLarge } from '../contracts/request-errors';
import { fromReadable } from './from-readable';
import type { CollectorMetrics } from './metrics';
import { servePprof } from './pprof';
import type { RequestHandler, RequestSummary } from '../contracts/request-handler';
import type { Sink } from '../contracts/sink';

export interface HttpServiceOptions {
  /** What answers a Gratia request (the records pipeline). */
  readonly handleRequest: RequestHandler;
  /** The sinks, for /readyz and the sink_unavailable gauge. */
  readonly sinks: readonly Sink[];
  readonly maxBodySize: number;
  readonly metrics: CollectorMetrics;
  readonly log: bunyan;
  /** Serve /debug/pprof/ on this server too. */
  readonly pprof: boolean;
}

const RMI_PATHS = new Set(['/gratia-servlets/rmi', '/rmi']);
const TEXT = { 'Content-Type': 'text/plain; charset=utf-8' };

/**
 * The collector's HTTP edge: the Gratia endpoint, whose requests go to the handler it is
 * given (the records pipeline), and the operations endpoints.
 */
export class HttpService {
  readonly server: Server;
  private inFlight = 0;
  private readonly idle: (() => void)[] = [];
  private readonly ready$: Observable<string[]>;

  constructor(readonly options: HttpServiceOptions) {
    this.server = createServer((req, res) => this.route(req, res));
    // Bundles of many MiB from slow links: allow a long body, but not an idle socket forever.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 60_000;
    this.server.keepAliveTimeout = 65_000;
    this.ready$ = options.sinks.length === 0
      ? of([])
      : combineLatest(options.sinks.map((s) => s.unavailable$.pipe(map((why) => (why === null ? '' : `${s.name}: ${why}`)))))
        .pipe(map((reasons) => reasons.filter((r) => r !== '')));
    for (const sink of options.sinks) {
      sink.unavailable$.subscribe((why) => {
        options.metrics.sinkUnavailable.set({ sink: sink.name }, why === null ? 0 : 1);
        if (why === null) options.log.info({ sink: sink.name }, 'sink ready');
        else options.log.warn({ sink: sink.name, reason: why }, 'sink unavailable');
      });
    }
  }

  listen(port: number, address: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, address || undefined, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops accepting connections and resolves once every request in flight has been answered. */
  drain(): Promise<void> {
    this.server.close();
    this.server.closeIdleConnections();
    return new Promise((resolve) => (this.inFlight === 0 ? resolve() : this.idle.push(resolve)));
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    if (RMI_PATHS.has(path)) return this.rmi(req, res);
    if (this.options.pprof && path.startsWith('/debug/pprof') && servePprof(req, res, path)) return;
    switch (path) {
      case '/stats':
        // Async: with several workers the figures come from the primary (see metrics.ts).
        void this.options.metrics.stats().then(
          (stats) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(stats)),
          (e: Error) => res.writeHead(503, TEXT).end(`Error: ${e.message}`));
        return;
      case '/metrics':
        void this.options.metrics.exposition().then(
          ({ contentType, text }) => res.writeHead(200, { 'Content-Type': contentType }).end(text),
          (e: Error) => res.writeHead(503, TEXT).end(`Error: ${e.message}`));
        return;
      case '/healthz':
        res.writeHead(200, TEXT).end('OK');
        return;
      case '/readyz':
        this.ready$.subscribe((reasons) => {
          if (reasons.length === 0) res.writeHead(200, TEXT).end('OK');
          else res.writeHead(503, TEXT).end(`Error: ${reasons.join('; ')}`);
        }).unsubscribe();
        return;
      default:
        res.writeHead(404, TEXT).end('Error: not found');
    }
  }

  private rmi(req: IncomingMessage, res: ServerResponse): void {
    const started = process.hrtime.bigint();
    const summary: RequestSummary = { records: 0, handshakes: 0 };
    const query = Object.fromEntries(new URL(req.url ?? '/', 'http://collector').searchParams);
    this.inFlight++;
    // A body declared too large is refused before a byte of it is read.
    const body$ = Number(req.headers['content-length']) > this.options.maxBodySize
      ? throwError(() => new BodyTooLarge(this.options.maxBodySize))
      : fromReadable(req);
    this.options.handleRequest(body$, query, summary).subscribe((answer) => this.answer(req, res, answer, summary, started));
  }

  private answer(req: IncomingMessage, res: ServerResponse, answer: Answer, summary: RequestSummary, started: bigint): void {
    const headers: Record<string, string> = { ...TEXT };
    // A body we stopped reading cannot be skipped on a kept-alive connection.
    if (!req.complete) headers['Connection'] = 'close';
    res.writeHead(answer.status, headers).end(answer.body);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.options.metrics.requestDone({ status: answer.status, records: summary.records, handshakes: summary.handshakes, seconds });
    const line = {
      client: clientAddress(req), from: summary.from, command: summary.command, records: summary.records,
      handshakes: summary.handshakes || undefined, status: answer.status, ms: Math.round(seconds * 1e4) / 10,
      error: answer.status === 200 ? undefined : answer.body,
    };
    if (answer.status >= 500) this.options.log.warn(line, 'request');
    else this.options.log.info(line, 'request');
    if (--this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
  }
}

/** The client, as a proxy in front of the collector names it. */
export function clientAddress(req: IncomingMessage): string | undefined {
  const real = req.headers['x-real-ip'];
  if (typeof real === 'string' && real !== '') return real;
  const forwarded = req.headers['x-forwarded-for'];
  if (typeof forwarded === 'string' && forwarded !== '') return forwarded.split(',')[0]!.trim();
  return req.socket.remoteAddress;
}
