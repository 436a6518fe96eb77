import { UsageError } from './usage-error';
import { createReadStream } from 'node:fs';
import { firstValueFrom, toArray } from 'rxjs';
import { asLine, FORMATS, type Format } from '../records/formats';
import { bundleMessages } from '../streams/bundle-records';
import { fromReadable } from '../io/from-readable';
import { buildTransformChain } from '../transforms/chain';
import type { Transform } from '../transforms/transform';
import { ConfigError, loadConfig } from './config';
import { EX_CONFIG } from './exit-codes';

export const CONVERT_USAGE = 'usage: gracc-collector convert [-c CONFIG] [--format json|xml|raw] [FILE]';

/**
 * `gracc-collector convert`: one bundle (any payload form) from FILE or standard input to
 * one record a line on standard output; with `-c CONFIG`, through the [[transforms]] that
 * configuration declares. Nothing is written for an invalid bundle: the reason goes to
 * standard error and the exit code is 1 (78, EX_CONFIG, for an invalid configuration).
 */
export async function convertCommand(args: readonly string[]): Promise<number> {
  let fmt: Format = 'json';
  let file: string | undefined;
  let configFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-c' || a === '--config') {
      configFile = args[++i];
      if (configFile === undefined) throw new UsageError(`${a} needs a value\n${CONVERT_USAGE}`);
    } else if (a === '--format' || a === '-f') fmt = parseFormat(args[++i]);
    else if (a.startsWith('--format=')) fmt = parseFormat(a.slice('--format='.length));
    else if (a === '-h' || a === '--help') {
      process.stdout.write(CONVERT_USAGE + '\n');
      return 0;
    } else if (file === undefined && (a === '-' || !a.startsWith('-'))) file = a;
    else throw new UsageError(`unexpected argument ${a}\n${CONVERT_USAGE}`);
  }
  let transforms: Transform | undefined;
  try {
    if (configFile !== undefined) transforms = buildTransformChain(loadConfig({ file: configFile }).transforms);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`gracc-collector convert: configuration: ${e.message}\n`);
    return EX_CONFIG;
  }
  const input = file === undefined || file === '-' ? process.stdin : createReadStream(file);
  try {
    const messages = await firstValueFrom(
      fromReadable(input).pipe(bundleMessages(fmt, transforms), toArray()),
    );
    const lines = messages.map((m) => asLine(m.body.toString(), fmt));
    await writeOut(lines.length === 0 ? '' : lines.join('\n') + '\n');
    return 0;
  } catch (e) {
    process.stderr.write(`gracc-collector convert: ${(e as Error).message}\n`);
    return 1;
  }
}


function parseFormat(v: string | undefined): Format {
  if (v !== undefined && (FORMATS as readonly string[]).includes(v)) return v as Format;
  throw new UsageError(`--format takes json, xml or raw, not ${v ?? 'nothing'}\n${CONVERT_USAGE}`);
}

function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));
}
