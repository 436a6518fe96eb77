import { UsageError } from './usage-error';
import { createReadStream } from 'node:fs';
import { lastValueFrom, tap } from 'rxjs';
import { asLine, FORMATS, type Format } from '../records/formats';
import { entriesAsRead, recordsOf } from '../streams/bundle-records';
import { messageFor } from '../operators/format';
import { fromReadable } from '../io/from-readable';

export const CONVERT_USAGE = 'usage: gracc-collector convert [--format json|xml|raw] [FILE]';

/**
 * `gracc-collector convert`: one bundle (any payload form) from FILE or standard input to
 * one record a line on standard output. Nothing is written for an invalid bundle: the
 * reason goes to standard error and the exit code is 1.
 */
export async function convertCommand(args: readonly string[]): Promise<number> {
  let fmt: Format = 'json';
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--format' || a === '-f') fmt = parseFormat(args[++i]);
    else if (a.startsWith('--format=')) fmt = parseFormat(a.slice('--format='.length));
    else if (a === '-h' || a === '--help') {
      process.stdout.write(CONVERT_USAGE + '\n');
      return 0;
    } else if (file === undefined && (a === '-' || !a.startsWith('-'))) file = a;
    else throw new UsageError(`unexpected argument ${a}\n${CONVERT_USAGE}`);
  }
  const input = file === undefined || file === '-' ? process.stdin : createReadStream(file);
  try {
    // Nothing is written unless the whole bundle is valid: until then the output is held,
    // as its bytes (outside the JavaScript heap), and each record's objects are let go.
    const lines = new HeldLines();
    await lastValueFrom(
      recordsOf(fromReadable(input).pipe(entriesAsRead([fmt]))).pipe(tap((record) => {
        const body = messageFor(record, fmt).body;
        lines.add(fmt === 'json' ? body : asLine(body.toString(), fmt));
      })),
      { defaultValue: undefined },
    );
    await lines.writeTo(process.stdout);
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

/** Bytes of a block of HeldLines: large enough that a bundle is a few hundred writes. */
const BLOCK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

/** Lines held as bytes, each ended by a newline, in blocks of about BLOCK_BYTES, until they are written. */
class HeldLines {
  private readonly blocks: Buffer[] = [];
  private block = Buffer.allocUnsafe(0);
  private used = 0;

  add(line: Buffer | string): void {
    const bytes = typeof line === 'string' ? Buffer.byteLength(line) : line.length;
    if (this.used + bytes + 1 > this.block.length) {
      this.seal();
      this.block = Buffer.allocUnsafe(Math.max(BLOCK_BYTES, bytes + 1));
    }
    this.used += typeof line === 'string' ? this.block.write(line, this.used) : line.copy(this.block, this.used);
    this.block[this.used++] = NEWLINE;
  }

  /** Writes the lines to `out`, each block once the one before was taken. */
  async writeTo(out: NodeJS.WritableStream): Promise<void> {
    this.seal();
    for (const block of this.blocks.splice(0)) {
      await new Promise<void>((resolve, reject) => out.write(block, (e) => (e ? reject(e) : resolve())));
    }
  }

  private seal(): void {
    if (this.used > 0) this.blocks.push(this.block.subarray(0, this.used));
    this.block = Buffer.allocUnsafe(0);
    this.used = 0;
  }
}
