// The serve command's line: its usage and flags (Go flag syntax, see args.ts).
import { UsageError } from './usage-error';
import { CONFIG_FLAG, HELP_FLAG, parseArgs, VERSION_FLAG } from './args';
import { packageVersion } from './version';

export const SERVE_USAGE = [
  'usage: gracc-collector [-c FILE] [-l stdout|stderr|FILE] [-pprof on|HOST:PORT]',
  '       gracc-collector validate [-c FILE] [--connect]',
  '       gracc-collector convert [--format json|xml|raw | -c CONFIG] [FILE]',
  '       gracc-collector --version',
  '(flags as Go\'s: -c FILE, -c=FILE, --c FILE, --config=FILE)',
].join('\n');

export interface ServeArgs {
  configFile?: string;
  logTarget: string;
  pprof?: string;
}

const SERVE_FLAGS = {
  config: CONFIG_FLAG,
  log: { names: ['l', 'log'], type: 'string' },
  pprof: { names: ['pprof'], type: 'string' },
  help: HELP_FLAG,
  version: VERSION_FLAG,
} as const;

/** The serve command line (Go flag syntax, see args.ts); undefined after `-h` or `-version`, which print and exit. */
export function parseServeArgs(args: readonly string[]): ServeArgs | undefined {
  const { flags, positional } = parseArgs(args, SERVE_FLAGS, SERVE_USAGE);
  if (positional.length > 0) throw new UsageError(`unexpected argument ${positional[0]}\n${SERVE_USAGE}`);
  if (flags.help) process.stdout.write(SERVE_USAGE + '\n');
  else if (flags.version) process.stdout.write(`gracc-collector ${packageVersion()}\n`);
  else return { configFile: flags.config, logTarget: flags.log ?? 'stdout', pprof: flags.pprof };
  return undefined;
}
