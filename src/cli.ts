#!/usr/bin/env node
import { CONVERT_USAGE, convertCommand, UsageError } from './io/convert-command';

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'convert') return convertCommand(argv.slice(1));
  process.stderr.write(`${CONVERT_USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`gracc-collector: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  },
);
