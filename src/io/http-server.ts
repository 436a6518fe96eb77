import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import type bunyan from 'bunyan';
import { catchError, throwError } from 'rxjs';
import { type Answer, CLIENT_GONE } from '../contracts/answer';
import { BodyTooLarge, ClientGone, MalformedRequest, Overloaded } from '../contracts/request-errors';
import { fromReadable, IncompleteBody } from './from-readable';
import { listeningPort, listenOn } from './listen';
import type { CollectorMetrics } from './metrics';
import { servePprof } from './pprof';
import type { RequestHandler, RequestSummary } from '../contracts/request-handler';
import { readTlsFiles, type TlsFileKeys } from './tls-files';

/** The HTTPS listener's files and client-certificate policy (the `[tls]` table). */
export interface HttpsSettings extends TlsFileKeys {
  /** Refuse, at the handshake, a client without a certificate signed by `ca`. */
  readonly requireClientCert: boolean;
}

export interface HttpServiceOptions {
  /** What answers a Gratia request (the records pipeline). */
  readonly handleRequest: RequestHandler;
  readonly maxBodySize: number;
  readonly metrics: CollectorMetrics;
  readonly log: bunyan;
  /** Serve /debug/pprof/ on this server too. */
  readonly pprof: boolean;
  /** `idleTimeout`: longest wait for a new connection's request headers, and between two bytes of a body, ms. */
  readonly idleTimeoutMs: number;
  /** This process's share of `maxConnections`; 0 = no limit. */
  readonly maxConnections: number;
  /** `drainTimeout`: how long drain() waits for the requests in flight, ms. */
  readonly drainTimeoutMs: number;
  /** Serve HTTPS too (`listenHttps`), with these files; the same endpoints, handler and limits. */
  readonly tls?: HttpsSettings;
  /** Added to /readyz's `OK`: the broker nodes in use, where a sink has several (readiness.ts); nothing by default. */
  readonly nodesInUse?: () => string;
}

/** A request on a connection, while it lasts: its response, and (for a bundle) how to cut its body short. */
interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly cut?: AbortController;
}

const RMI_PATHS = new Set(['/gratia-servlets/rmi', '/rmi']);
const TEXT = { 'Content-Type': 'text/plain; charset=utf-8' };
/** After the drain deadline cut the uploads short, how long their answers get before every connection is closed. */
const LAST_ANSWERS_MS = 1_000;

/**
 * The collector's HTTP edge: the Gratia endpoint, whose requests go to the handler it is
 * given (the records pipeline), and the operations endpoints.
 */
export class HttpService {
  /** Plain HTTP (`listen`). */
  readonly server: Server;
  /** HTTPS (`listenHttps`), with `tls` in the options. */
  readonly httpsServer: HttpsServer | undefined;
  /** The files the HTTPS server's certificate, key and CA were last read from. */
  private tlsFiles: TlsFileKeys | undefined;
  /** The servers listening, or serving the connections adopted. */
  private readonly listening: Server[] = [];
  /** Connections accepted elsewhere are served (serveAdopted), until the drain. */
  private adopting = false;
  /** The adopted connections open. */
  private adopted = 0;
  private inFlight = 0;
  private readonly idle: (() => void)[] = [];
  /** The request in progress on each connection that has one. */
  private readonly exchanges = new Map<Duplex, Exchange>();
  /** The listener counting a connection's headers timeout, until its first request starts. */
  private readonly headersTimers = new WeakMap<Socket, () => void>();

  constructor(readonly options: HttpServiceOptions) {
    this.server = this.withLimits(createServer((req, res) => this.route(req, res)), 'connection');
    if (options.tls) {
      const tls = options.tls;
      this.tlsFiles = { ca: tls.ca, cert: tls.cert, key: tls.key };
      this.httpsServer = createHttpsServer({
        ...this.secureFiles(tls),
        // With a CA of client certificates, clients are asked for one; refused without one only when required.
        requestCert: tls.ca !== '',
        rejectUnauthorized: tls.requireClientCert,
        // A client that opens a connection and never completes the handshake costs as long as one that sends no headers.
        handshakeTimeout: options.idleTimeoutMs,
      }, (req, res) => this.route(req, res));
      // The headers timeout starts once the handshake is done, on the TLS socket the requests come on.
      this.withLimits(this.httpsServer, 'secureConnection');
      this.httpsServer.on('tlsClientError', (e: NodeJS.ErrnoException, socket: TLSSocket) => {
        this.options.metrics.connectionClosed('malformed');
        this.options.log.info({ client: socket.remoteAddress, error: e.code ?? e.message }, 'TLS handshake refused');
      });
    }
  }

  /** The same settings on the HTTP and the HTTPS server. `connected`: the event that gives the socket requests come on. */
  private withLimits<S extends Server>(server: S, connected: 'connection' | 'secureConnection'): S {
    // Bundles of many MiB from slow links: no limit on a request's total time, but on its
    // pauses and its rate (keepPace in handle-request), and on the wait for its headers.
    server.requestTimeout = 0;
    server.headersTimeout = this.options.idleTimeoutMs;
    server.keepAliveTimeout = 65_000;
    // Each listener has the limit (see maxConnections in the README).
    if (this.options.maxConnections > 0) server.maxConnections = this.options.maxConnections;
    server.on('drop', () => this.options.metrics.connectionClosed('limit'));
    server.on(connected, (socket: Socket) => this.awaitHeaders(socket));
    server.on('clientError', (e: NodeJS.ErrnoException, socket: Duplex) => this.clientError(e, socket));
    return server;
  }

  /** Plain HTTP, on `port` (0: any free port). */
  listen(port: number, address: string): Promise<void> {
    return this.listenOn(this.server, port, address);
  }

  /** HTTPS, on `port` (0: any free port); needs `tls` in the options. */
  listenHttps(port: number, address: string): Promise<void> {
    if (!this.httpsServer) throw new Error('HttpService: listenHttps without tls options');
    return this.listenOn(this.httpsServer, port, address);
  }

  private async listenOn(server: Server, port: number, address: string): Promise<void> {
    await listenOn(server, port, address);
    this.listening.push(server);
  }

  /**
   * Serves the connections another process accepted (a cluster worker's: the primary
   * listens, main/connection-handoff.ts), handed to `adopt`, in place of listening.
   */
  serveAdopted(): void {
    for (const server of [this.server, this.httpsServer]) {
      if (server === undefined) continue;
      // what listening starts besides accepting: the tracking of connections that
      // closeIdleConnections and closeAllConnections (the drain) go by
      server.emit('listening');
      this.listening.push(server);
    }
    this.adopting = true;
  }

  /**
   * A connection accepted elsewhere (see serveAdopted), served as if `listener` had accepted
   * it; `onClose` is told once it is closed. One past maxConnections (this process's share),
   * or one that comes once the drain began, is closed at once.
   */
  adopt(listener: 'http' | 'https', socket: Socket, onClose: () => void): void {
    socket.once('close', onClose);
    const server = listener === 'http' ? this.server : this.httpsServer;
    if (!this.adopting || server === undefined) return void socket.destroy();
    const max = this.options.maxConnections;
    if (max > 0 && this.adopted >= max) {
      this.options.metrics.connectionClosed('limit');
      return void socket.destroy();
    }
    this.adopted++;
    socket.once('close', () => this.adopted--);
    server.emit('connection', socket);
  }

  /** The port a server listens on, or undefined. */
  portOf(which: 'http' | 'https'): number | undefined {
    const server = which === 'http' ? this.server : this.httpsServer;
    return server && this.listening.includes(server) ? listeningPort(server) : undefined;
  }

  /**
   * Reads the HTTPS certificate, key and CA files again (a renewed certificate), those `files`
   * names (a reloaded configuration's) or else the ones read last, for the connections to
   * come; those open keep theirs. Throws a TlsFileError naming the key, and keeps the files it
   * had, when one cannot be read or used. Whether clients are asked for a certificate was
   * decided at the start (a CA given or not) and stays.
   */
  reloadCertificates(files: TlsFileKeys = this.tlsFiles!): void {
    if (!this.httpsServer) return;
    this.httpsServer.setSecureContext(this.secureFiles(files));
    this.tlsFiles = { ca: files.ca, cert: files.cert, key: files.key };
    this.options.log.info('HTTPS certificate and key read again');
  }

  private secureFiles(files: TlsFileKeys): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
    return readTlsFiles('tls', files, true);
  }

  /**
   * Stops accepting connections and resolves once every request in flight has been
   * answered, or after `drainTimeout`: then the uploads still coming in are answered 503
   * (send it again later), and a moment later every connection left is closed.
   */
  drain(): Promise<void> {
    this.adopting = false;
    for (const server of this.listening) {
      server.close();
      server.closeIdleConnections();
    }
    return new Promise((resolve) => {
      if (this.inFlight === 0) return resolve();
      let closeAll: NodeJS.Timeout | undefined;
      const deadline = setTimeout(() => {
        this.options.log.warn({ inFlight: this.inFlight, drainTimeoutMs: this.options.drainTimeoutMs }, 'stopping: drain deadline, closing the connections left');
        for (const { cut } of this.exchanges.values()) cut?.abort(new Overloaded('the collector is stopping: send it again later'));
        closeAll = setTimeout(() => {
          for (const server of this.listening) server.closeAllConnections();
          resolve();
        }, LAST_ANSWERS_MS);
      }, this.options.drainTimeoutMs);
      this.idle.push(() => {
        clearTimeout(deadline);
        if (closeAll !== undefined) {
          clearTimeout(closeAll);
          for (const server of this.listening) server.closeAllConnections();
        }
        resolve();
      });
    });
  }

  /**
   * A new connection must bring its first request's headers within idleTimeout. (The
   * server's own headersTimeout says the same, but is not enforced in a cluster worker.)
   * A socket timeout nobody else listens to closes the connection; the request's start
   * lifts it, and after each answer the server sets keepAliveTimeout for the next request.
   */
  private awaitHeaders(socket: Socket): void {
    const timedOut = (): void => this.options.metrics.connectionClosed('timeout');
    socket.setTimeout(this.options.idleTimeoutMs, timedOut);
    this.headersTimers.set(socket, timedOut);
  }

  /**
   * What the HTTP parser could not take (a broken chunked encoding, a body cut short by the
   * client's end, headers too large or too slow) or a connection error: a body being read
   * is cut short with it, and answered (400) or not (the client is gone); otherwise the
   * connection gets a plain answer if it can still take one, and is closed.
   */
  private clientError(e: NodeJS.ErrnoException, socket: Duplex): void {
    const exchange = this.exchanges.get(socket);
    // A parse error at the client's end of the stream is a body cut short by a client that left (or half-closed).
    const gone = e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.code === 'HPE_INVALID_EOF_STATE' || socket.readableEnded || !socket.writable;
    if (exchange?.cut && !exchange.req.complete) {
      if (!exchange.cut.signal.aborted) {
        exchange.cut.abort(gone ? new ClientGone(`the client went away mid-body (${e.code ?? e.message})`) : new MalformedRequest(`malformed request body (${e.code ?? e.message})`));
      }
      return;
    }
    const timeout = e.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    if (!gone) this.options.metrics.connectionClosed(timeout ? 'timeout' : 'malformed');
    if (!gone && !exchange?.res.headersSent) {
      const status = timeout ? 408 : e.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const body = timeout ? 'Error: no complete request headers in time' : `Error: malformed request (${e.code ?? e.message})`;
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    }
    socket.destroy();
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const timedOut = this.headersTimers.get(req.socket);
    if (timedOut) {
      req.socket.setTimeout(0).off('timeout', timedOut);
      this.headersTimers.delete(req.socket);
    }
    const path = (req.url ?? '/').split('?')[0]!;
    if (RMI_PATHS.has(path)) return this.rmi(req, res);
    this.track({ req, res });
    if (this.options.pprof && path.startsWith('/debug/pprof') && servePprof(req, res, path)) return;
    switch (path) {
      case '/stats':
        // Async: with several workers the figures come from the primary (see metrics.ts).
        void this.options.metrics.stats().then(
          (stats) => reply(res, 200, JSON.stringify(stats), { 'Content-Type': 'application/json' }),
          (e: Error) => reply(res, 503, `Error: ${e.message}`));
        return;
      case '/metrics':
        void this.options.metrics.exposition().then(
          ({ contentType, text }) => reply(res, 200, text, { 'Content-Type': contentType }),
          (e: Error) => reply(res, 503, `Error: ${e.message}`));
        return;
      case '/healthz':
        reply(res, 200, 'OK');
        return;
      case '/readyz':
        // The sinks' readiness (readiness.ts); with several workers, every worker's, from the primary.
        void this.options.metrics.readiness().then(
          (reasons) => (reasons.length === 0 ? reply(res, 200, `OK${this.options.nodesInUse?.() ?? ''}`) : reply(res, 503, `Error: ${reasons.join('; ')}`)),
          (e: Error) => reply(res, 503, `Error: ${e.message}`));
        return;
      default:
        reply(res, 404, 'Error: not found', unreadBody(req) ? { Connection: 'close' } : {});
    }
  }

  /** Notes the request in progress on its connection, until its response is done. */
  private track(exchange: Exchange): void {
    const socket = exchange.req.socket;
    this.exchanges.set(socket, exchange);
    exchange.res.once('close', () => {
      if (this.exchanges.get(socket) === exchange) this.exchanges.delete(socket);
    });
  }

  private rmi(req: IncomingMessage, res: ServerResponse): void {
    const started = process.hrtime.bigint();
    const summary: RequestSummary = { records: 0, handshakes: 0 };
    this.inFlight++;
    // Only POST publishes; the body of anything else is not read.
    if (req.method !== 'POST') {
      this.track({ req, res });
      const answer = { status: 405, body: `Error: method ${req.method ?? ''} not allowed: send bundles with POST` };
      return this.answer(req, res, answer, summary, started, { Allow: 'POST' });
    }
    const cut = new AbortController();
    this.track({ req, res, cut });
    const query = firstValues(new URL(req.url ?? '/', 'http://collector').searchParams);
    // A body declared too large is refused before a byte of it is read.
    const body$ = Number(req.headers['content-length']) > this.options.maxBodySize
      ? throwError(() => new BodyTooLarge(this.options.maxBodySize))
      : fromReadable(req, cut.signal).pipe(catchError((e: unknown) => throwError(() => asClientGone(e))));
    this.options.handleRequest(body$, query, summary).subscribe((answer) => this.answer(req, res, answer, summary, started));
  }

  private answer(req: IncomingMessage, res: ServerResponse, answer: Answer, summary: RequestSummary, started: bigint, extra: OutgoingHttpHeaders = {}): void {
    const client = clientAddress(req);
    // The client that went away gets nothing (499 is only the counters' name for it).
    if (answer.status === CLIENT_GONE) req.socket.destroy();
    // A body we stopped reading cannot be skipped on a kept-alive connection.
    else reply(res, answer.status, answer.body, unreadBody(req) ? { ...extra, Connection: 'close' } : extra);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.options.metrics.requestDone({ status: answer.status, records: summary.records, handshakes: summary.handshakes, seconds });
    const line = {
      client, ...clientCertificate(req), from: summary.from, command: summary.command, records: summary.records,
      handshakes: summary.handshakes || undefined, status: answer.status, ms: Math.round(seconds * 1e4) / 10,
      error: answer.status === 200 ? undefined : answer.body,
    };
    if (answer.status >= 500) this.options.log.warn(line, 'request');
    else this.options.log.info(line, 'request');
    if (--this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
  }
}

/** Answers with a text (`Content-Length` set, as the earlier collector did: not chunked), unless the connection is gone. */
function reply(res: ServerResponse, status: number, body: string, headers: OutgoingHttpHeaders = {}): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { ...TEXT, ...headers, 'Content-Length': Buffer.byteLength(body) }).end(body);
}

/** True while part of the request's body may still be unread. */
function unreadBody(req: IncomingMessage): boolean {
  return !req.complete && (req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0);
}

/** The query string's fields, each by its first value (as the body's: see urlencodedForm). */
function firstValues(params: URLSearchParams): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of params) if (!Object.hasOwn(fields, name)) fields[name] = value;
  return fields;
}

/** A body that ended without its end, or whose connection was reset, is a client that went away. */
function asClientGone(e: unknown): unknown {
  if (e instanceof IncompleteBody || (e as NodeJS.ErrnoException | undefined)?.code === 'ECONNRESET') {
    return new ClientGone(`the client went away mid-body (${(e as Error).message})`);
  }
  return e;
}

/**
 * The subject of the certificate a client showed over HTTPS (`CN=…, O=…`), and whether it
 * was not verified (a certificate not signed by `ca`, accepted when not required); nothing
 * for plain HTTP or a client without one.
 */
function clientCertificate(req: IncomingMessage): { clientCert?: string; clientCertUnverified?: string } {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return {};
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.subject) return {};
  const subject = Object.entries(cert.subject).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`).join(', ');
  return socket.authorized ? { clientCert: subject } : { clientCert: subject, clientCertUnverified: String(socket.authorizationError ?? 'not verified') };
}

/** The client, as a proxy in front of the collector names it. */
export function clientAddress(req: IncomingMessage): string | undefined {
  const real = req.headers['x-real-ip'];
  if (typeof real === 'string' && real !== '') return real;
  const forwarded = req.headers['x-forwarded-for'];
  if (typeof forwarded === 'string' && forwarded !== '') return forwarded.split(',')[0]!.trim();
  return req.socket.remoteAddress;
}
