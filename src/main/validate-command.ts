import type bunyan from 'bunyan';
import { CONFIG_FLAG, HELP_FLAG, parseArgs } from './args';
import { type CollectorConfig, ConfigError, describeConfig, loadConfig } from './config';
import { EX_CONFIG, EX_UNAVAILABLE } from './exit-codes';
import { SINK_MODULES } from './sinks';
import { UsageError } from './usage-error';
import { createServiceLog } from '../io/logger';
import { NO_SINK_METRICS } from '../contracts/sink-metrics';

export const VALIDATE_USAGE = 'usage: gracc-collector validate [-c FILE] [--connect]';

const VALIDATE_FLAGS = { config: CONFIG_FLAG, connect: { names: ['connect'], type: 'boolean' }, help: HELP_FLAG } as const;

/** How long `--connect` gives each broker at most (or `timeout`, if shorter). */
const CONNECT_LIMIT_MS = 15_000;

/**
 * `gracc-collector validate`: loads the configuration as start-up (and a reload) would, with
 * every check, and prints what the collector would run with (passwords masked): exit 0, or
 * 78 (EX_CONFIG) with the reasons on standard error. `--connect` then connects to each
 * enabled broker (see each sink's `connect`): exit 69 (EX_UNAVAILABLE) if one fails.
 */
export async function validateCommand(args: readonly string[]): Promise<number> {
  const { flags, positional } = parseArgs(args, VALIDATE_FLAGS, VALIDATE_USAGE);
  if (flags.help) {
    process.stdout.write(VALIDATE_USAGE + '\n');
    return 0;
  }
  if (positional.length > 0) throw new UsageError(`unexpected argument ${positional[0]}\n${VALIDATE_USAGE}`);
  const file = flags.config;
  let config: CollectorConfig;
  try {
    config = loadConfig({ file });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`gracc-collector validate: ${file ?? 'the configuration without a file'} is invalid:\n${e.problems.map((p) => `  ${p}\n`).join('')}`);
    return EX_CONFIG;
  }
  process.stdout.write(`gracc-collector validate: ${file ?? 'no file: the quickstart defaults'}: valid; the collector would run with:\n`);
  process.stdout.write(JSON.stringify(describeConfig(config), null, 2) + '\n');
  if (!flags.connect) return 0;
  return (await connectEach(config)) ? 0 : EX_UNAVAILABLE;
}

/** `--connect`: each enabled sink's connection check, one line each; true when every one passed. */
async function connectEach(config: CollectorConfig): Promise<boolean> {
  const log: bunyan = createServiceLog('stderr', 'fatal').log;
  const tables = config as unknown as Record<string, { enable: boolean }>;
  const context = { timeoutMs: Math.min(config.timeout, CONNECT_LIMIT_MS), closeTimeoutMs: config.closeTimeout, log, metrics: NO_SINK_METRICS };
  const enabled = SINK_MODULES.filter((m) => tables[m.name]!.enable && m.connect);
  if (enabled.length === 0) process.stdout.write('connect: no broker enabled\n');
  const results = await Promise.all(enabled.map(async (m) => {
    try {
      return { name: m.name, ok: true, text: await m.connect!(tables[m.name] as never, context) };
    } catch (e) {
      return { name: m.name, ok: false, text: e instanceof Error ? e.message : String(e) };
    }
  }));
  for (const r of results) process.stdout.write(`connect ${r.name}: ${r.ok ? 'OK' : 'FAILED'}: ${r.text}\n`);
  return results.every((r) => r.ok);
}
