// The AMQP sink's bookkeeping of publisher confirms: which bundle a confirm, a nack or a
// returned message belongs to, and when a bundle is settled. No broker in here.
import { randomBytes } from 'node:crypto';
import { type OutboundMessage, SinkError, type SinkFailure } from '../../../contracts/sink';

/** Told once how a bundle ended. */
export interface Settled {
  complete(): void;
  error(error: SinkError): void;
}

/** One publish() subscription: a bundle being written and confirmed. */
export interface Bundle {
  /** Prefix of the messageId of each of its messages (`<id>.<index>`), to recognise returns. */
  readonly id: string;
  readonly messages: readonly OutboundMessage[];
  /** Messages handed to the channel so far. */
  written: number;
  /** Confirms still awaited. */
  pending: number;
  /** Settled (completed or failed) or forgotten: later confirms and returns are ignored. */
  done: boolean;
  /** One confirm callback for all the bundle's messages (cheaper than one closure each). */
  readonly onConfirm: (err: unknown) => void;
}

export class Confirms {
  /** Bundles not settled yet, by id. */
  private readonly inflight = new Map<string, { bundle: Bundle; settled: Settled }>();
  private readonly tag = randomBytes(4).toString('hex');
  private seq = 0;

  /**
   * True while the channel's 'close' fails the confirms still awaited (amqplib calls them
   * back with an error then, as for a nack): those are not the broker's nacks.
   */
  channelClosing = false;

  /** `sink`: the name SinkErrors carry; `nacked`: told of each message the broker nacked. */
  constructor(
    private readonly sink: string,
    private readonly nacked: () => void = () => {},
  ) {}

  get size(): number {
    return this.inflight.size;
  }

  /** A bundle awaiting one confirm per message: it completes once all came, fails at the first nack. */
  open(messages: readonly OutboundMessage[], settled: Settled): Bundle {
    const bundle: Bundle = {
      id: `${this.tag}-${++this.seq}`,
      messages,
      written: 0,
      pending: messages.length,
      done: false,
      onConfirm: (err: unknown) => {
        if (err && !this.channelClosing) this.nacked();
        if (bundle.done) return;
        if (err) {
          this.settle(bundle, 'nack', 'the broker refused (nacked) a message of the bundle');
        } else if (--bundle.pending === 0) {
          this.settle(bundle);
        }
      },
    };
    this.inflight.set(bundle.id, { bundle, settled });
    return bundle;
  }

  /** The messageId of the bundle's message at `index`. */
  messageId(bundle: Bundle, index: number): string {
    return `${bundle.id}.${index}`;
  }

  /** Completes (no failure) or fails a bundle, once. */
  settle(bundle: Bundle, failure?: SinkFailure, message?: string): void {
    if (bundle.done) return;
    bundle.done = true;
    const entry = this.inflight.get(bundle.id);
    this.inflight.delete(bundle.id);
    if (failure === undefined) entry?.settled.complete();
    else entry?.settled.error(new SinkError(this.sink, failure, message ?? failure));
  }

  /** Ignores whatever comes later for the bundle (its subscriber went away). */
  forget(bundle: Bundle): void {
    bundle.done = true;
    this.inflight.delete(bundle.id);
  }

  /** Fails every bundle not settled yet; returns how many. */
  failAll(failure: SinkFailure, message: string): number {
    const entries = [...this.inflight.values()];
    for (const { bundle } of entries) this.settle(bundle, failure, message);
    return entries.length;
  }

  /** The bundle and position of a message returned by the broker, if it is one of an unsettled bundle. */
  returned(messageId: unknown): { bundle: Bundle; index: number } | undefined {
    if (typeof messageId !== 'string') return undefined;
    const dot = messageId.lastIndexOf('.');
    const entry = this.inflight.get(messageId.slice(0, dot));
    return entry && { bundle: entry.bundle, index: Number(messageId.slice(dot + 1)) };
  }
}
