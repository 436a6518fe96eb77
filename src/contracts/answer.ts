import { SinkError } from './sink';
import { RecordError } from '../records/record-error';
import { BodyTooLarge, Overloaded, RequestError } from './request-errors';

/** What the collector answers a sender; probes read the body text. */
export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly error?: Error;
}

export const OK: Answer = { status: 200, body: 'OK' };

/**
 * The answer for a failure: 400 for a bad request or record (do not resend as is), 413 for
 * a body over the limit, 503 when a sink could not confirm or the collector is full (resend
 * later), 500 for anything else.
 */
export function answerFor(error: unknown): Answer {
  const e = error instanceof Error ? error : new Error(String(error));
  if (e instanceof RequestError || e instanceof RecordError) return { status: 400, body: `Error: ${e.message}`, error: e };
  if (e instanceof BodyTooLarge) return { status: 413, body: `Error: ${e.message}`, error: e };
  if (e instanceof SinkError || e instanceof Overloaded) return { status: 503, body: `Error: ${e.message}`, error: e };
  return { status: 500, body: `Error: ${e.message}`, error: e };
}
