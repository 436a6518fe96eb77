import { UsageError } from './usage-error';
import { createReadStream } from 'node:fs';
import { lastValueFrom, map, type Observable, type OperatorFunction, tap } from 'rxjs';
import { asLine, FORMATS, type Format } from '../records/formats';
import { entriesAsRead, recordsOf } from '../streams/bundle-records';
import { messageFor } from '../operators/format';
import { fromReadable } from '../io/from-readable';

/**
 * A file is read in pieces this large, not the 64 KiB of fs streams: a 57 MB envelope then
 * converts in 0.90 of the CPU time (fewer turns through the pipeline, fewer records cut
 * between chunks and scanned again) for about 20 MiB more at its peak.
 */
const FILE_READ_BYTES = 1 << 20;

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
    const input = file === undefined || file === '-' ? process.stdin : createReadStream(file, { highWaterMark: FILE_READ_BYTES });
    // Nothing is written unless the whole bundle is valid: until then the output is held as
    // its bytes (outside the JavaScript heap), each record's objects let go as it is read.
    const lines = new HeldLines();
    await lastValueFrom(fromReadable(input).pipe(toLines, tap((line) => lines.add(line))), { defaultValue: undefined });
    await lines.writeTo(process.stdout);
    return 0;
  } catch (e) {
    process.stderr.write(`gracc-collector convert: ${(e as Error).message}\n`);
    return 1;
  }
}

/** Lines, as bytes or text, each without its newline; an error once the bundle proves invalid. */
type ToLines = OperatorFunction<Uint8Array | string, Buffer | string>;

/** Each record in one format, a line each, as it is read (convertCommand holds them until the bundle is valid). */
function recordLines(fmt: Format): ToLines {
  return (chunks$: Observable<Uint8Array | string>) => recordsOf(chunks$.pipe(entriesAsRead([{ format: fmt }]))).pipe(map((record) => {
    const body = messageFor(record, fmt).body;
    return fmt === 'json' ? body : asLine(body.toString(), fmt);
  }));
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

/** Bytes of the blocks HeldLines keeps texts in and writes through: large enough that a bundle is a few hundred writes. */
const BLOCK_BYTES = 1 << 20;
const NEWLINE = Buffer.from('\n');

/**
 * Lines held as bytes until they are written, each then ended by a newline. A line that is
 * bytes already (a JSON message: bytes of its own, never written over) is held as it is; a
 * text is written into blocks of about BLOCK_BYTES. At the end they are copied, a block at a
 * time, through one block that is used again: copying each message into fresh blocks as it
 * came cost 7 % of convert's CPU time on 20,000 modern records, mostly in page faults.
 */
class HeldLines {
  private readonly lines: Buffer[] = [];
  private block = Buffer.allocUnsafe(0);
  private used = 0;

  add(line: Buffer | string): void {
    if (typeof line !== 'string') {
      this.lines.push(line);
      return;
    }
    const bytes = Buffer.byteLength(line);
    if (this.used + bytes > this.block.length) {
      this.block = Buffer.allocUnsafe(Math.max(BLOCK_BYTES, bytes));
      this.used = 0;
    }
    const start = this.used;
    this.used += this.block.write(line, start);
    this.lines.push(this.block.subarray(start, this.used));
  }

  /** Writes the lines to `out`, each block once the one before was taken. */
  async writeTo(out: NodeJS.WritableStream): Promise<void> {
    const write = (bytes: Buffer) => new Promise<void>((resolve, reject) => out.write(bytes, (e) => (e ? reject(e) : resolve())));
    const through = Buffer.allocUnsafe(BLOCK_BYTES);
    let used = 0;
    const lines = this.lines.splice(0);
    this.block = Buffer.allocUnsafe(0);
    for (const line of lines) {
      if (used + line.length + 1 > through.length && used > 0) {
        await write(through.subarray(0, used));
        used = 0;
      }
      if (line.length + 1 > through.length) {
        await write(line); // longer than a block: as it is
        await write(NEWLINE);
        continue;
      }
      used += line.copy(through, used);
      through[used++] = NEWLINE[0]!;
    }
    if (used > 0) await write(through.subarray(0, used));
  }
}
