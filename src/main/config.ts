// The collector's configuration: its own keys (src/config/schema.ts), a table for each sink
// of the registry, each defined in the sink's folder, and the [[transforms]] (src/transforms). Loading, the quickstart defaults, the
// checks across keys and the log's copy all follow from that one definition.
import { compileSchema, type ConfigOf, describeWith, GENERAL, type LoadConfigOptions, loadWith } from '../config';
import { SINKS } from '../io/sinks/registry';
import type { SinkModule } from '../io/sinks/sink-module';
import { checkTlsFiles } from '../io/tls-files';
import { describeTransforms, readTransforms, type TransformSpec } from '../transforms/chain';

export { ConfigError, parseDuration, parseSize, type LoadConfigOptions } from '../config';

type SinkTables = { readonly [M in (typeof SINKS)[number] as M['name']]: M['config'] };

const sinks: readonly SinkModule[] = SINKS as readonly SinkModule<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every key of the collector, sinks' tables included. */
export const DEFINITION = { ...GENERAL, ...(Object.fromEntries(sinks.map((s) => [s.name, s.config])) as SinkTables) };

/** What the configuration holds besides its keys: the [[transforms]] tables, read and checked. */
interface Arrays {
  transforms: TransformSpec[];
}

/** The typed configuration handed to the rest of the collector: durations in ms, sizes in bytes. */
export type CollectorConfig = ConfigOf<typeof DEFINITION> & Arrays;

export const SCHEMA = compileSchema(DEFINITION);

const WITHOUT_FILE = Object.fromEntries(sinks.flatMap((s) => (s.withoutFile ? [[s.name, s.withoutFile]] : [])));

/**
 * Defaults, then the TOML file (or, without one, the quickstart's: no broker, the file sink
 * on), then GRACC_* environment variables. Throws ConfigError, naming every bad key, variable
 * or value.
 */
export function loadConfig(options: LoadConfigOptions = {}): CollectorConfig {
  return loadWith<typeof DEFINITION, Arrays>({ schema: SCHEMA, withoutFile: WITHOUT_FILE, check: acrossKeys, arrays: ARRAYS }, options);
}

const ARRAYS = {
  transforms: (value: unknown, baseDir: string, report: (problem: string) => void) => readTransforms(value, { baseDir }, report),
};

function acrossKeys(config: CollectorConfig, raw: Readonly<Record<string, unknown>>): string[] {
  const tables = config as unknown as Record<string, unknown>;
  const own = [tlsListenerProblem(config.tls)].filter((p): p is string => p !== undefined);
  return [...own, ...sinks.flatMap((s) => {
    const across = s.check?.(tables[s.name] as never, raw[s.name] as Record<string, unknown>) ?? [];
    return [...across, ...encoderProblem(s, tables[s.name])];
  })];
}

/** What the sink's encoder refuses of its table (a constant topic Kafka does not allow, say), naming the key. */
function encoderProblem(module: SinkModule, table: unknown): string[] {
  try {
    module.encoder?.(table as never);
    return [];
  } catch (e) {
    return [e instanceof Error ? e.message : String(e)];
  }
}

function tlsListenerProblem(tls: CollectorConfig['tls']): string | undefined {
  if (!tls.enable) return tls.httpsOnly ? 'tls.httpsOnly: needs tls.enable = true (or there would be no listener at all)' : undefined;
  if (tls.cert === '' || tls.key === '') return `tls.${tls.cert === '' ? 'cert' : 'key'}: required with tls.enable`;
  if (tls.requireClientCert && tls.ca === '') return 'tls.ca: required with tls.requireClientCert (the CAs that sign the clients\' certificates)';
  // The files as the listener reads them (at the start and at each reload): readable, usable, the certificate with its key.
  return checkTlsFiles('tls', tls, true);
}

/** A copy of the config fit for logging: every password replaced by "***" (set or not). */
export function describeConfig(config: CollectorConfig): Omit<CollectorConfig, 'transforms'> & { transforms: object[] } {
  const { transforms, ...keys } = config;
  return { ...describeWith(SCHEMA, keys), transforms: describeTransforms(transforms) };
}
