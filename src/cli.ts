#!/usr/bin/env node
import { convertCommand } from './io/convert-command';
import { SERVE_USAGE, serveCommand } from './io/serve-command';
import { UsageError } from './io/usage-error';

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'convert') return convertCommand(argv.slice(1));
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
