// In-process sinks for tests of the whole request pipeline (handleRequest): they implement
// the Sink port, answer each publish() as a script says (confirm at once, or a marble in
// virtual time) and record every bundle they were given, so a test can say exactly what
// reached each sink.
import { EMPTY, Observable, of } from 'rxjs';
import type { Format, OutboundMessage, RecordAddressing, Sink } from '../../src/contracts/sink';

/** A message as a test compares it: the body as text; the record's own destination when the sink addresses records. */
export interface ReceivedMessage {
  readonly key: string;
  readonly destination?: string;
  readonly contentType: string;
  readonly body: string;
}

/** How one publish() went, as the sink saw it. */
export interface PublishRecord {
  readonly messages: readonly OutboundMessage[];
  /** The clock's time when the publish was subscribed (when the bundle was handed over). */
  readonly at: number;
  /** confirmed: completed; failed: errored; released: unsubscribed before either; open: still waiting. */
  end: 'open' | 'confirmed' | 'failed' | 'released';
  /** The clock's time of `end`. */
  endedAt?: number;
}

export interface SinkScript {
  readonly name: string;
  readonly format: Format;
  /** How the sink addresses records by their fields (a real sink's encoder's); by default it does not. */
  readonly addressing?: RecordAddressing;
  /** What publish() does with the `n`-th bundle (0-based); by default it confirms at once. */
  readonly respond?: (messages: readonly OutboundMessage[], n: number) => Observable<never>;
  /** The sink's availability (null = can take bundles); by default always available. */
  readonly unavailable$?: Observable<string | null>;
  /** The clock for `at` / `endedAt` (a TestScheduler's now); by default 0. */
  readonly now?: () => number;
}

export class ScriptedSink implements Sink {
  readonly name: string;
  readonly format: Format;
  readonly addressing?: RecordAddressing;
  readonly unavailable$: Observable<string | null>;
  /** Every publish() that was subscribed, in order. */
  readonly publishes: PublishRecord[] = [];
  closed = false;

  constructor(private readonly script: SinkScript) {
    this.name = script.name;
    this.format = script.format;
    this.addressing = script.addressing;
    this.unavailable$ = script.unavailable$ ?? of(null);
  }

  publish(messages: readonly OutboundMessage[]): Observable<never> {
    return new Observable<never>((subscriber) => {
      const now = this.script.now ?? (() => 0);
      const record: PublishRecord = { messages: [...messages], at: now(), end: 'open' };
      this.publishes.push(record);
      const finish = (end: PublishRecord['end']): void => {
        if (record.end !== 'open') return;
        record.end = end;
        record.endedAt = now();
      };
      const respond = this.script.respond ?? (() => EMPTY);
      const subscription = respond(record.messages, this.publishes.length - 1).subscribe({
        error: (e: unknown) => {
          finish('failed');
          subscriber.error(e);
        },
        complete: () => {
          finish('confirmed');
          subscriber.complete();
        },
      });
      return () => {
        finish('released');
        subscription.unsubscribe();
      };
    });
  }

  /** Every message of every bundle this sink was handed, in order. */
  received(): ReceivedMessage[] {
    return this.publishes.flatMap((p) => p.messages.map(asReceived));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

export function asReceived(m: OutboundMessage): ReceivedMessage {
  return { key: m.key, ...(m.destination === undefined ? {} : { destination: m.destination }), contentType: m.contentType, body: m.body.toString('utf8') };
}

/** A byte budget shared by requests (`maxInFlightBytes`) with `free` bytes left. */
export function byteBudget(free: number): { tryTake(bytes: number): boolean; give(bytes: number): void } {
  return {
    tryTake(bytes) {
      if (bytes > free) return false;
      free -= bytes;
      return true;
    },
    give(bytes) {
      free += bytes;
    },
  };
}
