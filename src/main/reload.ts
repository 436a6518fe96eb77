// SIGHUP: the configuration loaded again (file and environment) and checked as at start-up.
import { isDeepStrictEqual } from 'node:util';
import type bunyan from 'bunyan';
import { type CollectorConfig, ConfigError, describeConfig, loadConfig } from './config';

/**
 * Keys a running collector cannot change: its listeners (the HTTPS one's too: whether there is
 * one, where, whether it is the only one, whether it refuses clients without a certificate),
 * its processes, the limits its HTTP edge and byte budget were made with. A reload keeps their
 * running values (and names them). The HTTPS certificate, key and CA are reloadable.
 */
export const RESTART_KEYS = [
  'address', 'port', 'workers', 'maxBodySize', 'maxInFlightBytes', 'idleTimeout', 'maxConnections', 'drainTimeout',
  'tls.enable', 'tls.port', 'tls.address', 'tls.httpsOnly', 'tls.requireClientCert',
] as const;

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
  const restartNeeded = RESTART_KEYS.filter((key) => !isDeepStrictEqual(valueAt(loaded, key), valueAt(running, key)));
  const config = structuredClone(loaded);
  for (const key of restartNeeded) setValueAt(config, key, valueAt(running, key));
  return { ok: true, config, restartNeeded };
}

/**
 * Loads the configuration again (SIGHUP) and logs the outcome: why it was refused (the
 * collector runs on as it was), or the new configuration and the keys that need a restart.
 */
export function reloadReported(file: string | undefined, running: CollectorConfig, log: bunyan): ReloadOutcome {
  const outcome = reloadConfig(file, running);
  if (!outcome.ok) {
    log.error({ reason: outcome.reason }, 'reload refused: the configuration is invalid; running on as before');
    return outcome;
  }
  log.info({ config: describeConfig(outcome.config) }, 'reloading the configuration');
  if (outcome.restartNeeded.length > 0) {
    log.warn({ keys: outcome.restartNeeded }, 'reload: these settings change only with a restart; kept as they were');
  }
  return outcome;
}

/** The value of a key (`port`, `tls.port`) of a configuration. */
function valueAt(config: CollectorConfig, key: string): unknown {
  return key.split('.').reduce<unknown>((table, name) => (table as Record<string, unknown>)[name], config);
}

function setValueAt(config: CollectorConfig, key: string, value: unknown): void {
  const names = key.split('.');
  const table = names.slice(0, -1).reduce<unknown>((t, name) => (t as Record<string, unknown>)[name], config) as Record<string, unknown>;
  table[names.at(-1)!] = value;
}
