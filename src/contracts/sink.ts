import type { Observable } from 'rxjs';

/** How a record is written for a sink: GRACC JSON, a standalone XML document, or the record text as received. */
export type { Format } from '../records/formats';
import type { Format } from '../records/formats';

/** One record, formatted for one sink. */
export interface OutboundMessage {
  /** The record's id (RecordId, or UniqueID for storage records); '' when the record has none. */
  readonly key: string;
  readonly body: Buffer;
  /** `application/json` or `text/xml`. */
  readonly contentType: string;
}

/** Why a sink could not confirm a bundle; each maps to a 503 answer. */
export type SinkFailure = 'down' | 'blocked' | 'nack' | 'returned' | 'timeout' | 'error';

export class SinkError extends Error {
  constructor(
    readonly sink: string,
    readonly failure: SinkFailure,
    message: string,
  ) {
    super(`${sink}: ${message}`);
    this.name = 'SinkError';
  }
}

/**
 * A destination for records (RabbitMQ, Kafka, a file). Implementations live in src/io;
 * the operators only see this interface, so they can be driven by cold observables in
 * marble tests.
 */
export interface Sink {
  /** Short name used in answers, logs and metrics: `amqp`, `kafka`, `file`. */
  readonly name: string;
  readonly format: Format;
  /**
   * Why the sink cannot take a bundle right now (not connected, blocked by the broker's
   * memory or disk alarm, ...), or null while it can. Emits its current value on subscribe.
   */
  readonly unavailable$: Observable<string | null>;
  /**
   * Publishes a whole bundle. Cold: nothing is sent until subscription. Completes (without
   * emitting) once every message is confirmed by the destination; errors with a SinkError
   * on a nack, a returned message, a lost channel or any other failure.
   */
  publish(messages: readonly OutboundMessage[]): Observable<never>;
  /** Stops reconnecting and releases connections; pending publishes fail. */
  close(): Promise<void>;
}
