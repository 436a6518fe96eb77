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
