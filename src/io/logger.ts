import { createWriteStream, type WriteStream } from 'node:fs';
import bunyan from 'bunyan';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** The service's logger, and the two things operators do to it with signals. */
export interface ServiceLog {
  readonly log: bunyan;
  /** Opens the log file again, after logrotate moved it (SIGUSR1, SIGHUP). */
  reopen(): void;
  /** Switches between debug and the configured level (SIGUSR2); returns the new level. */
  toggleDebug(): LogLevel;
  /** A new configured level (a reload); while debug is toggled on it applies once toggled off. */
  setLevel(level: LogLevel): void;
  /** Writes out the lines still buffered for the log file and closes it: process.exit would drop them. */
  close(): Promise<void>;
}

/** A file stream that can be swapped for a fresh one without the logger noticing. */
class ReopenableFile {
  private stream: WriteStream;

  constructor(private readonly path: string) {
    this.stream = this.open();
  }

  write(chunk: string): boolean {
    return this.stream.write(chunk);
  }

  reopen(): void {
    const old = this.stream;
    this.stream = this.open();
    old.end();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }

  private open(): WriteStream {
    const s = createWriteStream(this.path, { flags: 'a' });
    s.on('error', (e) => process.stderr.write(`gracc-collector: log file ${this.path}: ${e.message}\n`));
    return s;
  }
}

/** Logs to `stdout`, `stderr` or a file path, at `level`. */
export function createServiceLog(target: string, level: LogLevel): ServiceLog {
  const file = target === 'stdout' || target === 'stderr' ? undefined : new ReopenableFile(target);
  const stream = file ?? (target === 'stderr' ? process.stderr : process.stdout);
  const log = bunyan.createLogger({
    name: 'gracc-collector',
    level,
    streams: [{ level, stream: stream as NodeJS.WritableStream }],
    serializers: { err: bunyan.stdSerializers.err },
  });
  let debugging = false;
  let configured = level;
  return {
    log,
    reopen: () => file?.reopen(),
    close: () => file?.close() ?? Promise.resolve(),
    toggleDebug() {
      debugging = !debugging;
      const next: LogLevel = debugging ? 'debug' : configured;
      log.level(next);
      return next;
    },
    setLevel(next) {
      configured = next;
      if (!debugging) log.level(next);
    },
  };
}
