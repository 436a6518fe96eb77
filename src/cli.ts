#!/usr/bin/env node
import { UsageError } from './main/usage-error';

// Each command loads only its own modules: `convert` starts without the brokers' clients.
// `--version` (also Go's `-version`, and `-v`) and `-help` are serve's flags (see main/args.ts).
async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'convert') return (await import('./main/convert-command.js')).convertCommand(argv.slice(1));
  if (argv[0] === 'validate') return (await import('./main/validate-command.js')).validateCommand(argv.slice(1));
  if (argv[0] === 'help') return (await import('./main/serve-command.js')).serveCommand(['-help']);
  return (await import('./main/serve-command.js')).serveCommand(argv);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`gracc-collector: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
