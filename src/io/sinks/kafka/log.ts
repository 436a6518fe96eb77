import type Logger from 'bunyan';
import { type LogEntry, logLevel, type logCreator } from 'kafkajs';

/** Fields of a bunyan record that a kafkajs entry must not overwrite. */
const RESERVED = new Set(['v', 'level', 'name', 'hostname', 'pid', 'time', 'msg', 'src', 'timestamp', 'logger', 'message']);

/** kafkajs warns about this each time the sink creates a producer; the sink handles it (see kafka-sink.ts). */
const EXPECTED_WARNING = /Limiting retries for the idempotent producer/;

/** kafkajs' own level for a bunyan logger: debug output (one line per request) only when bunyan traces. */
export function kafkajsLevel(log: Logger): logLevel {
  return log.trace() ? logLevel.DEBUG : logLevel.INFO;
}

/** A connection-level failure kafkajs logged: the brokers are (at least partly) unreachable. */
export function isConnectionFailure(entry: LogEntry): boolean {
  const message = String(entry.log.message);
  if (entry.level !== logLevel.ERROR) return false;
  return (
    (entry.namespace === 'Connection' && /^Connection (error|timeout)/.test(message)) ||
    (entry.namespace === 'BrokerPool' && /Failed to connect to seed broker/.test(message))
  );
}

/**
 * Routes kafkajs logging into bunyan, with `kafkajs` naming kafkajs' namespace (Connection,
 * BrokerPool, Producer, ...). kafkajs logs at error level every failed attempt it then
 * retries by itself; those are warnings here: the sink logs a bundle that finally failed
 * at error level. kafkajs debug lines go to trace. `observe` sees every entry first, and
 * returns true to have it logged at debug level only (the sink's own lines already say it).
 */
export function bunyanLogCreator(log: Logger, observe?: (entry: LogEntry) => boolean): logCreator {
  return () => (entry: LogEntry) => {
    const quiet = observe?.(entry) ?? false;
    const raw: unknown = entry.log.message;
    const message = raw instanceof Error ? raw.message : String(raw);
    const fields: Record<string, unknown> = { kafkajs: entry.namespace };
    for (const [key, value] of Object.entries(entry.log)) {
      if (!RESERVED.has(key) && value !== undefined) fields[key] = value;
    }
    if (quiet) {
      log.debug(fields, message);
      return;
    }
    switch (entry.level) {
      case logLevel.ERROR:
        log.warn(fields, message);
        break;
      case logLevel.WARN:
        if (EXPECTED_WARNING.test(message)) log.debug(fields, message);
        else log.warn(fields, message);
        break;
      case logLevel.INFO:
        log.info(fields, message);
        break;
      default:
        log.trace(fields, message);
    }
  };
}
