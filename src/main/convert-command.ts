import { UsageError } from './usage-error';
import { createReadStream } from 'node:fs';
import { firstValueFrom, map, type Observable, type OperatorFunction, toArray } from 'rxjs';
import { asLine, FORMATS, type Format } from '../records/formats';
import { bundleMessages } from '../streams/bundle-records';
import { fromReadable } from '../io/from-readable';

export const CONVERT_USAGE = 'usage: gracc-collector convert [--format json|xml|raw | -c CONFIG] [FILE]';

/**
 * `gracc-collector convert`: one bundle (any payload form) from FILE or standard input to
 * one record a line on standard output; with `-c CONFIG`, one line per record per sink the
 * configuration enables, saying what that sink would be handed (main/preview.ts). Nothing
 * is written for an invalid bundle: the reason goes to standard error and the exit code is 1.
 */
export async function convertCommand(args: readonly string[]): Promise<number> {
  let fmt: Format | undefined;
  let configFile: string | undefined;
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--format' || a === '-f') fmt = parseFormat(args[++i]);
    else if (a.startsWith('--format=')) fmt = parseFormat(a.slice('--format='.length));
    else if (a === '-c' || a === '--config') configFile = configPath(args[++i]);
    else if (a === '-h' || a === '--help') {
      process.stdout.write(CONVERT_USAGE + '\n');
      return 0;
    } else if (file === undefined && (a === '-' || !a.startsWith('-'))) file = a;
    else throw new UsageError(`unexpected argument ${a}\n${CONVERT_USAGE}`);
  }
  if (fmt !== undefined && configFile !== undefined) {
    throw new UsageError(`--format and -c do not go together: with -c, each sink writes its table's format\n${CONVERT_USAGE}`);
  }
  try {
    // Only a preview loads the configuration (and the sinks' modules with it).
    const toLines = configFile === undefined ? recordLines(fmt ?? 'json') : await previewLines(configFile);
    const input = file === undefined || file === '-' ? process.stdin : createReadStream(file);
    const lines = await firstValueFrom(fromReadable(input).pipe(toLines, toArray()));
    await writeOut(lines.length === 0 ? '' : lines.join('\n') + '\n');
    return 0;
  } catch (e) {
    process.stderr.write(`gracc-collector convert: ${(e as Error).message}\n`);
    return 1;
  }
}

type ToLines = OperatorFunction<Uint8Array | string, string>;

/** Each record in one format, a line each. */
function recordLines(fmt: Format): ToLines {
  return (chunks$: Observable<Uint8Array | string>) => chunks$.pipe(bundleMessages(fmt), map((m) => asLine(m.body.toString(), fmt)));
}

/** What every sink the configuration enables would be handed; throws, naming every bad key, on a bad configuration. */
async function previewLines(configFile: string): Promise<ToLines> {
  const [{ ConfigError, loadConfig }, { sinkPreviews }] = await Promise.all([import('./config.js'), import('./preview.js')]);
  try {
    return sinkPreviews(loadConfig({ file: configFile }));
  } catch (e) {
    throw e instanceof ConfigError ? new Error(`configuration: ${e.message}`) : e;
  }
}

function configPath(v: string | undefined): string {
  if (v === undefined || v === '') throw new UsageError(`-c needs a configuration file\n${CONVERT_USAGE}`);
  return v;
}

function parseFormat(v: string | undefined): Format {
  if (v !== undefined && (FORMATS as readonly string[]).includes(v)) return v as Format;
  throw new UsageError(`--format takes json, xml or raw, not ${v ?? 'nothing'}\n${CONVERT_USAGE}`);
}

function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));
}
