import type { Observable } from 'rxjs';
import type { Answer } from './answer';

/** What a request turned out to be, for its log line and the counters; filled in as it is learnt. */
export interface RequestSummary {
  command?: string;
  from?: string;
  records: number;
  handshakes: number;
}

/**
 * The port between the HTTP edge and the records pipeline: a request's body and query
 * fields in, its one answer out (the composition root hands the pipeline to the server).
 */
export type RequestHandler = (
  body$: Observable<Uint8Array>,
  queryFields: Readonly<Record<string, string>>,
  summary: RequestSummary,
) => Observable<Answer>;
