// What the cluster's primary and its workers tell each other, besides the metrics (io/metrics.ts).

/** From the primary: reopen the log (SIGUSR1, SIGHUP). */
export const REOPEN_LOG = 'gracc:reopen-log';
/** From the primary: debug logging `{ on }` (SIGUSR2). */
export const DEBUG = 'gracc:debug';
/** A reload's outcome (SIGHUP), checked by the primary: `{ config }` to swap to, or `{ failed }` to count. */
export const RELOAD = 'gracc:reload';
/** From a worker, once it serves: from then on the primary hands it connections. */
export const READY = 'gracc:ready';
/** From the primary, with a connection's socket: `{ listener: 'http' | 'https' }`, the listener it came to. */
export const CONNECTION = 'gracc:connection';
/** From a worker: a connection the primary handed it has closed. */
export const CONNECTION_CLOSED = 'gracc:connection-closed';
/** Tells a worker how many there are (for its share of maxInFlightBytes). */
export const WORKER_COUNT_ENV = 'COLLECTOR_CLUSTER_SIZE'; // not GRACC_*: those must all be configuration keys
/**
 * Hands a worker the configuration the primary loaded and checked (JSON), the one in use since
 * the last reload: a worker started later (a replacement) must not read a file changed since.
 */
export const WORKER_CONFIG = 'gracc:config';
export const WORKER_CONFIG_ASK = 'gracc:config?';
