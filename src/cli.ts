#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './main/usage-error';

/** `-version` too: the earlier Go collector took Go's flag syntax. */
const VERSION_FLAGS = ['--version', '-version', '-v'];

/** The installed package's version, read from its package.json (dist/src/cli.js → ../../). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

// Each command loads only its own modules: `convert` starts without the brokers' clients.
async function main(argv: readonly string[]): Promise<number> {
  if (VERSION_FLAGS.includes(argv[0] ?? '')) {
    process.stdout.write(`gracc-collector ${packageVersion()}\n`);
    return 0;
  }
  if (argv[0] === 'convert') return (await import('./main/convert-command.js')).convertCommand(argv.slice(1));
  const { SERVE_USAGE, serveCommand } = await import('./main/serve-command.js');
  if (argv[0] === '-h' || argv[0] === '--help' || argv[0] === 'help') {
    process.stdout.write(SERVE_USAGE + '\n');
    return 0;
  }
  return serveCommand(argv);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`gracc-collector: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
