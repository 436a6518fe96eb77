// SIGHUP: the configuration loaded again (file and environment) and checked as at start-up.
import { isDeepStrictEqual } from 'node:util';
import { type CollectorConfig, ConfigError, loadConfig } from './config';

/**
 * Keys a running collector cannot change: its listener, its processes, the limits its HTTP
 * edge and byte budget were made with. A reload keeps their running values (and names them).
 */
export const RESTART_KEYS = ['address', 'port', 'workers', 'maxBodySize', 'maxInFlightBytes', 'idleTimeout', 'maxConnections', 'drainTimeout'] as const;

export type ReloadOutcome =
  | {
    readonly ok: true;
    /** The new configuration, with the running values of the RESTART_KEYS. */
    readonly config: CollectorConfig;
    /** The RESTART_KEYS whose new value differs: kept as they were until a restart. */
    readonly restartNeeded: readonly string[];
  }
  | { readonly ok: false; readonly reason: string };

/** Loads the configuration again; a ConfigError becomes a failed outcome (the collector runs on as it was). */
export function reloadConfig(file: string | undefined, running: CollectorConfig): ReloadOutcome {
  let loaded: CollectorConfig;
  try {
    loaded = loadConfig({ file });
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, reason: e.message };
    throw e;
  }
  const restartNeeded = RESTART_KEYS.filter((key) => !isDeepStrictEqual(loaded[key], running[key]));
  const kept = Object.fromEntries(restartNeeded.map((key) => [key, running[key]]));
  return { ok: true, config: { ...loaded, ...kept }, restartNeeded };
}
