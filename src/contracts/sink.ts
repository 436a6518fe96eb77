import type { Observable } from 'rxjs';

/** How a record is written for a sink: GRACC JSON, a standalone XML document, or the record text as received. */
export type { Format } from '../records/formats';
import type { Format } from '../records/formats';
import type { GraccRecord } from '../records/gracc-record';

/** One record, formatted for one sink. */
export interface OutboundMessage {
  /**
   * The record's id (RecordId, or UniqueID for storage records), '' when the record has none;
   * or, for a sink whose key is a template (`[kafka] key`), the record's own key.
   */
  readonly key: string;
  readonly body: Buffer;
  /** `application/json` or `text/xml`. */
  readonly contentType: string;
  /**
   * Where this record goes in its sink, when the sink's destination is a template over the
   * record's fields: the AMQP routing key, the Kafka topic. Unset: the sink's configured one.
   */
  readonly destination?: string;
}

/**
 * How a sink addresses each record by the record's own fields (routing key, topic, Kafka key
 * written as templates; each sink's encoder.ts). A sink whose destination is the same for
 * every record has none: its messages are the shared ones of its format, at no cost per record.
 */
export interface RecordAddressing {
  /**
   * The record's message for the sink: `message` (the record in the sink's format, shared
   * with the other sinks of that format) with the record's own destination or key. Runs while
   * the record's mapped fields exist; throws a RecordError for a record it cannot address.
   */
  address(message: OutboundMessage, record: GraccRecord): OutboundMessage;
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
  /** How the sink addresses each record by its fields; unset when every record goes to the same place. */
  readonly addressing?: RecordAddressing;
  /**
   * Why the sink cannot take a bundle right now (not connected, blocked by the broker's
   * memory or disk alarm, ...), or null while it can. Emits its current value on subscribe.
   */
  readonly unavailable$: Observable<string | null>;
  /**
   * Why the sink, though it takes bundles, is not ready: its latest bundles failed in a way
   * that new ones will likely fail too (AMQP: returned unroutable, no queue bound), or null.
   * Only /readyz reports it: unlike `unavailable$` it never fails a bundle early, since the
   * cause can go away at any moment (a queue bound), and only a bundle tried can tell.
   * Emits its current value on subscribe; a sink without such a state leaves it out.
   */
  readonly degraded$?: Observable<string | null>;
  /**
   * Publishes a whole bundle. Cold: nothing is sent until subscription. Completes (without
   * emitting) once every message is confirmed by the destination; errors with a SinkError
   * on a nack, a returned message, a lost channel or any other failure.
   */
  publish(messages: readonly OutboundMessage[]): Observable<never>;
  /**
   * Stops reconnecting and releases connections; pending publishes fail. Settles within the
   * sink's close timeout even when the destination stopped answering (it then drops the
   * connection without waiting for the destination's consent).
   */
  close(): Promise<void>;
}
