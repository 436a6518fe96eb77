import assert from 'node:assert/strict';
import { lastValueFrom } from 'rxjs';
import { type OutboundMessage, type Sink, SinkError } from '../../src/contracts/sink';

/** `n` messages as the collector would publish them: mostly JSON, every fifth XML, with non-ASCII text. */
export function messageBundle(prefix: string, n: number, size = 200): OutboundMessage[] {
  return Array.from({ length: n }, (_, i) => {
    const xml = i % 5 === 4;
    const text = xml
      ? `<JobUsageRecord><RecordIdentity recordId="${prefix}-${i}"/><Note>é ${'x'.repeat(size)}</Note></JobUsageRecord>`
      : JSON.stringify({ RecordId: `${prefix}-${i}`, note: `ü ${'y'.repeat(size)}` });
    return { key: `${prefix}-${i}`, body: Buffer.from(text), contentType: xml ? 'text/xml' : 'application/json' };
  });
}

/** Publishes a bundle; resolves once the sink confirmed it. */
export const publish = (sink: Sink, messages: readonly OutboundMessage[]): Promise<void> =>
  lastValueFrom(sink.publish(messages), { defaultValue: undefined });

/** Publishes and returns the error (a SinkError is expected) and how long it took to come. */
export async function publishFailure(sink: Sink, messages: readonly OutboundMessage[]): Promise<{ error: SinkError; ms: number }> {
  const t0 = Date.now();
  try {
    await publish(sink, messages);
  } catch (error) {
    assert.ok(error instanceof SinkError, `expected a SinkError, got ${String(error)}`);
    return { error, ms: Date.now() - t0 };
  }
  assert.fail(`publish succeeded after ${Date.now() - t0} ms, but it should have failed`);
}
