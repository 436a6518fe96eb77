// Loads the configuration: defaults, then the TOML file (or, without one, the quickstart overlay),
// then GRACC_* environment variables; validates it and converts durations and sizes.
import fs from 'node:fs';
import convict from 'convict';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigError } from './errors';
import { registerFormats, showValue, typeName } from './formats';
import { ENV_VARS, NO_FILE_DEFAULTS, SCHEMA, SCHEMA_TREE, type GroupSpec, type RawConfig } from './schema';
import type { CollectorConfig } from './types';
import { parseDuration, parseSize } from './units';

export interface LoadConfigOptions {
  /** TOML file (`-c`); without one, the file sink is on and AMQP off */
  file?: string;
  /** defaults to process.env; only GRACC_* variables are read, empty ones count as unset */
  env?: Record<string, string | undefined>;
}

const ENV_PREFIX = 'GRACC_';

/** Throws ConfigError, naming every bad key, variable or value, on any problem. */
export function loadConfig(options: LoadConfigOptions = {}): CollectorConfig {
  registerFormats();
  const problems: string[] = [];

  // The file: case-folded onto the schema's key names, unknown keys reported.
  const fileLabel = `config file ${options.file ?? ''}`;
  const fromFile = new Set<string>();
  let fileValues: Record<string, unknown> | undefined;
  if (options.file !== undefined) {
    const table = readToml(options.file, fileLabel);
    fileValues = foldTable(table, SCHEMA_TREE, (p) => problems.push(`${fileLabel}: ${p}`), fromFile);
  }

  // The environment: GRACC_* variables must all be known.
  const env: Record<string, string> = {};
  const fromEnv = new Map<string, string>();
  for (const [name, value] of Object.entries(options.env ?? process.env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined || value === '') continue;
    const leaf = ENV_VARS.get(name);
    if (leaf === undefined) {
      problems.push(`unknown environment variable ${name}${didYouMean(name, [...ENV_VARS.keys()])}`);
      continue;
    }
    env[name] = value;
    fromEnv.set(leaf.path, name);
  }

  // convict: defaults, then file (or the no-file overlay), then env on top; then validation.
  const config = convict<RawConfig>(SCHEMA, { env, args: [] });
  config.load(fileValues ?? NO_FILE_DEFAULTS);
  try {
    config.validate({ allowed: 'strict' });
  } catch (e) {
    for (const line of (e instanceof Error ? e.message : String(e)).split('\n')) {
      const key = /^([A-Za-z][\w.]*): /.exec(line)?.[1] ?? '';
      const envVar = fromEnv.get(key);
      if (envVar !== undefined) problems.push(`environment variable ${envVar}: ${line}`);
      else if (fromFile.has(key)) problems.push(`${fileLabel}: ${line}`);
      else problems.push(line);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const result = finalize(config.getProperties());
  if (result.amqp.maxRetry < result.amqp.retry) {
    throw new ConfigError(
      `amqp.maxRetry: must not be shorter than amqp.retry (${config.get('amqp.retry')}), got ${JSON.stringify(config.get('amqp.maxRetry'))}`,
    );
  }
  return result;
}

function readToml(file: string, label: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${label}: cannot read it: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    return parseToml(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    if (e instanceof TomlError) {
      // The message goes on with an excerpt of the file, which may hold a password: leave it out.
      const what = (e.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
      throw new ConfigError(`${label}: invalid TOML at line ${e.line}, column ${e.column}: ${what}`);
    }
    throw new ConfigError(`${label}: cannot parse it`);
  }
}

function isTable(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Date);
}

/**
 * Renames the keys of a TOML table to the schema's spelling (case-insensitively), recursively,
 * into `out`. Tables whose names differ only in case ([kafka] and [Kafka.sasl]) are merged.
 * Reports unknown keys, a value set twice under different case, and tables or values in the
 * wrong place; records the paths of the values that were set in `seen`.
 */
function foldTable(
  table: Record<string, unknown>,
  group: GroupSpec,
  report: (problem: string) => void,
  seen: Set<string>,
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  const prefix = group.path ? `${group.path}.` : '';
  for (const [key, value] of Object.entries(table)) {
    const hit = group.children.get(key.toLowerCase());
    if (hit === undefined) {
      const names = [...group.children.values()].map((c) => c.name);
      report(`unknown ${isTable(value) ? 'table' : 'key'} ${prefix}${key}${didYouMean(key, names, prefix)}`);
      continue;
    }
    const { name, spec } = hit;
    if (spec.kind === 'group') {
      const into = out[name];
      if (isTable(value)) out[name] = foldTable(value, spec, report, seen, isTable(into) ? into : {});
      else report(`${spec.path}: must be a table, got ${typeName(value)}`);
    } else if (name in out) {
      report(`${spec.path} is set more than once (keys differing only in case)`);
    } else if (isTable(value) || value instanceof Date) {
      report(`${spec.path}: must be a single value, got ${showValue(value, spec.sensitive)}`);
    } else {
      out[name] = value;
      seen.add(spec.path);
    }
  }
  return out;
}

function finalize(raw: RawConfig): CollectorConfig {
  const { amqp, kafka, file } = raw;
  return {
    address: raw.address,
    port: raw.port,
    timeout: parseDuration(raw.timeout),
    closeTimeout: parseDuration(raw.closeTimeout),
    loglevel: raw.loglevel,
    maxBodySize: parseSize(raw.maxBodySize),
    maxInFlightBytes: parseSize(raw.maxInFlightBytes),
    workers: raw.workers,
    idleTimeout: parseDuration(raw.idleTimeout),
    minBodyRate: parseSize(raw.minBodyRate),
    maxConnections: raw.maxConnections,
    drainTimeout: parseDuration(raw.drainTimeout),
    amqp: {
      enable: amqp.enable,
      scheme: amqp.scheme,
      host: amqp.host,
      port: amqp.port,
      vhost: amqp.vhost,
      exchange: amqp.exchange,
      exchangeType: amqp.exchangeType,
      durable: amqp.durable,
      autoDelete: amqp.autoDelete,
      internal: amqp.internal,
      routingKey: amqp.routingKey,
      user: amqp.user,
      password: amqp.password,
      format: amqp.format,
      retry: parseDuration(amqp.retry),
      maxRetry: parseDuration(amqp.maxRetry),
    },
    kafka: {
      enable: kafka.enable,
      brokers: [...kafka.brokers],
      topic: kafka.topic,
      format: kafka.format,
      clientId: kafka.clientId,
      compression: kafka.compression,
      ssl: kafka.ssl,
      sasl: { mechanism: kafka.sasl.mechanism, username: kafka.sasl.username, password: kafka.sasl.password },
    },
    file: { enable: file.enable, path: file.path, format: file.format },
  };
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

function didYouMean(given: string, candidates: readonly string[], prefix = ''): string {
  let best: string | undefined;
  let bestDistance = 3; // suggest only close misspellings
  for (const c of candidates) {
    const d = editDistance(given.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best === undefined ? '' : ` (did you mean ${prefix}${best}?)`;
}
