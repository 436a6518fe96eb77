import { catchError, connect, filter, forkJoin, identity, map, type Observable, of, pipe, reduce, type SchedulerLike, tap, throwError, toArray } from 'rxjs';
import type { Sink } from '../contracts/sink';
import type { SinkMetrics } from '../contracts/sink-metrics';
import { confirmTimeout } from '../operators/confirm-timeout';
import { failWhileUnavailable } from '../operators/fail-while-unavailable';
import { fanOut } from '../operators/fan-out';
import { type FormattedEntry, type FormattedRecord, messageFor, type Outlet } from '../operators/format';
import { fieldValue } from '../operators/field-value';
import { gatherSmall } from '../operators/gather-small';
import { keepPace } from '../operators/keep-pace';
import { limitBytes } from '../operators/limit-bytes';
import { nextTurnScheduler } from '../operators/next-turn-scheduler';
import { publishWithConfirm } from '../operators/publish-with-confirm';
import { takeTurns, Turns } from '../operators/take-turns';
import { toAnswer } from '../operators/to-answer';
import { type FormPiece, urlencodedForm } from '../operators/urlencoded-form';
import { type ByteBudget, withinBudget } from '../operators/within-budget';
import type { Transform } from '../transforms/transform';
import { RecordError } from '../records/record-error';
import type { Answer } from '../contracts/answer';
import type { RequestSummary } from '../contracts/request-handler';
import { bundleEntries } from './bundle-records';
import { type CheckedBundle, checkRequest, FIELDS_READ, type RequestFields } from './check-request';
import { BodyTooLarge, Overloaded, SlowBody } from '../contracts/request-errors';

export interface RequestOptions {
  readonly sinks: readonly Sink[];
  /** How long each sink has to confirm a bundle. */
  readonly timeoutMs: number;
  readonly maxBodySize: number;
  /** Longest pause in a body, ms (`idleTimeout`); also the window `minBodyRate` is judged over. Unset: no limit. */
  readonly idleTimeoutMs?: number;
  /** Bytes a second a body must bring in each idleTimeout (`minBodyRate`); 0 or unset: no floor. */
  readonly minBodyRate?: number;
  /** Bundle bytes all requests together may hold (`maxInFlightBytes`). */
  readonly budget?: ByteBudget;
  /**
   * The configured transforms as one operator (src/transforms/chain.ts), between flatten and
   * format; none when unset. Read at each request: swapping it changes the next requests'.
   */
  readonly transforms?: Transform;
  readonly scheduler?: SchedulerLike;
  /** The turns the process's requests take reading their chunks; unset: the process's own (or, with `scheduler`, the request's own on it). */
  readonly turns?: Turns;
  /** Where each sink's bundles are counted (published, confirmed, failed, how long); nowhere by default. */
  readonly sinkMetrics?: SinkMetrics;
}

const PAYLOAD = 'arg1';
/** A body up to this size is read once complete, in one go (see gather-small); a larger one streams. */
const GATHER_BYTES = 4 * 1024 * 1024;
/** Every request of the process reads its chunks in turns of the event loop (see takeTurns). */
const PROCESS_TURNS = new Turns(nextTurnScheduler);

/**
 * One request, top to bottom: body chunks → form fields, with the payload streamed into
 * the record splitter and each record written in every sink's format as it is mapped →
 * the whole bundle validated → every record to every sink, confirmed within the timeout
 * → one answer.
 */
export function handleRequest(
  body$: Observable<Uint8Array>,
  queryFields: RequestFields,
  options: RequestOptions,
  summary: RequestSummary = { records: 0, handshakes: 0 },
): Observable<Answer> {
  const bytes$ = body$.pipe(
    options.idleTimeoutMs ? keepPace(options.idleTimeoutMs, options.minBodyRate ?? 0, (why) => new SlowBody(why), options.scheduler) : identity,
    limitBytes(options.maxBodySize, () => new BodyTooLarge(options.maxBodySize)),
    options.budget ? withinBudget(options.budget, () => new Overloaded('too many bundle bytes in flight, try again later')) : identity,
    gatherSmall(GATHER_BYTES),
    takeTurns(options.turns ?? (options.scheduler === undefined ? PROCESS_TURNS : new Turns(options.scheduler))),
  );
  return bytes$.pipe(
    urlencodedForm(),
    connect((pieces$) =>
      forkJoin({
        fields: pieces$.pipe(fieldsOtherThanPayload(queryFields)),
        entries: pieces$.pipe(payloadEntries(options.sinks, options.transforms)),
      })),
    map(({ fields, entries }) => {
      summary.command = fields['command'];
      summary.from = fields['from'];
      return checkRequest(fields, entries);
    }),
    tap((bundle: CheckedBundle) => {
      summary.records = bundle.records.length;
      summary.handshakes = bundle.handshakes;
    }),
    map((bundle) => bundle.records),
    // Nothing to publish (a ping, handshakes only): OK without the sinks, even while one is
    // down, as the earlier collector answered a ping: it tests the probe's link to the collector.
    filter((records) => records.length > 0),
    fanOut(options.sinks, (sink, position) => publishTo(sink, options, position)),
    toAnswer(),
  );
}

/**
 * One sink's part of the fan-out: fail fast while it is unavailable, publish with confirm (its
 * messages: in its format, addressed as it addresses records), time out. `position` is the
 * sink's in the list the records were formatted for.
 */
export function publishTo(sink: Sink, options: Pick<RequestOptions, 'timeoutMs' | 'scheduler' | 'sinkMetrics'>, position?: number) {
  return pipe(
    failWhileUnavailable<FormattedRecord>(sink),
    map((record) => messageFor(record, sink.format, position)),
    publishWithConfirm(sink, options.sinkMetrics, options.scheduler),
    confirmTimeout(options.timeoutMs, sink.name, options.scheduler, options.sinkMetrics),
  );
}

/**
 * The small fields (command, from, bundlesize, …) as text; the payload only noted as
 * present. A field in both the body and the query string is the body's: the earlier Go
 * collector's FormValue puts the body's values first, and the first value wins.
 */
function fieldsOtherThanPayload(queryFields: RequestFields) {
  return pipe(
    reduce((fields: Record<string, Buffer[]>, piece: FormPiece) => {
      // a body of many fields with other names (`a1&a2&…`) would cost a key each
      if (!FIELDS_READ.has(piece.name)) return fields;
      const parts = (fields[piece.name] ??= []);
      if (piece.name !== PAYLOAD) parts.push(piece.bytes);
      return fields;
    }, {}),
    map((fields): RequestFields => {
      const text: Record<string, string> = { ...queryFields };
      for (const name in fields) text[name] = Buffer.concat(fields[name]!).toString('utf8');
      return text;
    }),
  );
}

/**
 * The payload's entries, or the record error that made it unacceptable, as a value: the
 * answer names an unknown command or a missing field before a bad payload. Other errors
 * (a body too large, a broken connection) end the request at once.
 */
function payloadEntries(outlets: readonly Outlet[], transforms: Transform | undefined) {
  return pipe(
    fieldValue(PAYLOAD),
    map((piece) => piece.bytes),
    bundleEntries(outlets, transforms),
    toArray(),
    catchError((e: unknown) => (e instanceof RecordError ? of(e) : throwError(() => e))),
  ) as (pieces$: Observable<FormPiece>) => Observable<readonly FormattedEntry[] | Error>;
}
