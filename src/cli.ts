#!/usr/bin/env node
import { UsageError } from './main/usage-error';

// Each command loads only its own modules: `convert` starts without the brokers' clients.
async function main(argv: readonly string[]): Promise<number> {
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
