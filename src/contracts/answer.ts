import { SinkError } from './sink';
import { RecordError } from '../records/record-error';
import { BodyTooLarge, ClientGone, MalformedRequest, Overloaded, RequestError, SlowBody } from './request-errors';

/** What the collector answers a sender; probes read the body text. */
export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly error?: Error;
}

export const OK: Answer = { status: 200, body: 'OK' };

/** The status counted (never sent) for a client that went away before its answer, as nginx counts it. */
export const CLIENT_GONE = 499;

/**
 * The answer for a failure: 400 for a bad request or record (do not resend as is), 408 for
 * a body too slow, 413 for a body over the limit, 503 when a sink could not confirm or the
 * collector is full (resend later), 499 (CLIENT_GONE) for a client that went away, 500 for
 * anything else.
 */
export function answerFor(error: unknown): Answer {
  const e = error instanceof Error ? error : new Error(String(error));
  if (e instanceof ClientGone) return { status: CLIENT_GONE, body: `Error: ${e.message}`, error: e };
  if (e instanceof SlowBody) return { status: 408, body: `Error: ${e.message}`, error: e };
  if (e instanceof RequestError || e instanceof RecordError || e instanceof MalformedRequest) return { status: 400, body: `Error: ${e.message}`, error: e };
  if (e instanceof BodyTooLarge) return { status: 413, body: `Error: ${e.message}`, error: e };
  if (e instanceof SinkError || e instanceof Overloaded) return { status: 503, body: `Error: ${e.message}`, error: e };
  return { status: 500, body: `Error: ${e.message}`, error: e };
}
