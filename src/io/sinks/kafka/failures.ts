// How kafkajs' failures read: a SinkFailure for a failed send, and its message.
import type { SinkFailure } from '../../../contracts/sink';

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The error and its causes (kafkajs wraps the last attempt's error in KafkaJSNumberOfRetriesExceeded). */
function errorChain(err: unknown): Array<{ name?: string; type?: string; message?: string }> {
  const chain: Array<{ name?: string; type?: string; message?: string }> = [];
  let current: unknown = err;
  while (current && typeof current === 'object' && chain.length < 10 && !chain.includes(current as object)) {
    chain.push(current as { name?: string; type?: string; message?: string });
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** How a failed producer.send maps onto a SinkFailure. */
export function classify(err: unknown): SinkFailure {
  const chain = errorChain(err);
  if (
    chain.some(
      (e) =>
        e.name === 'KafkaJSConnectionError' ||
        e.name === 'KafkaJSConnectionClosedError' ||
        e.name === 'KafkaJSBrokerNotFound' ||
        e.name === 'KafkaJSLockTimeout' ||
        /producer is disconnect/.test(e.message ?? ''),
    )
  ) {
    return 'down';
  }
  if (chain.some((e) => e.name === 'KafkaJSRequestTimeoutError' || e.type === 'REQUEST_TIMED_OUT')) return 'timeout';
  return 'error';
}
