/** A request the collector will not take as sent (missing field, unknown command, wrong bundlesize): 400. */
export class RequestError extends Error {
  override name = 'RequestError';
}

/** A body over `maxBodySize`: 413. */
export class BodyTooLarge extends Error {
  override name = 'BodyTooLarge';
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
  }
}

/** More bundle bytes in flight than `maxInFlightBytes` allows: 503, the sender retries later. */
export class Overloaded extends Error {
  override name = 'Overloaded';
}

/** A body that paused longer than `idleTimeout`, or came slower than `minBodyRate`: 408, the connection closed. */
export class SlowBody extends Error {
  override name = 'SlowBody';
}

/** The client went away before the collector could answer (hung up, reset, ended mid-body): counted as 499, nothing sent. */
export class ClientGone extends Error {
  override name = 'ClientGone';
}

/** Request framing the HTTP parser could not read (a broken chunked encoding, say): 400, the connection closed. */
export class MalformedRequest extends Error {
  override name = 'MalformedRequest';
}
