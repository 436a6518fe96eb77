// The PEM files a TLS connection is configured with (CA bundle, certificate, key), read and
// checked the same way for the HTTPS listener and for each broker sink: a file that cannot be
// read, or a certificate that does not go with its key, is an error naming the key
// (`amqp.cert`), never showing a key file's path or contents.
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

/** The keys of a table that name TLS files; "" = not given. */
export interface TlsFileKeys {
  /** CA bundle to verify the peer with; "" = Node's built-in list of CAs. */
  readonly ca: string;
  /** Own certificate (chain), shown to the peer. */
  readonly cert: string;
  /** The certificate's private key. */
  readonly key: string;
}

/** The files' contents, for Node's tls options; a file not given is left out. */
export interface TlsFiles {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** A TLS file is missing, unreadable, or not usable; the message names the key. */
export class TlsFileError extends Error {}

/**
 * Reads the files `keys` name. `table` prefixes the keys in errors (`amqp` → `amqp.ca`).
 * `certRequired`: a listener needs its certificate and key. Throws TlsFileError.
 */
export function readTlsFiles(table: string, keys: TlsFileKeys, certRequired = false): TlsFiles {
  const name = (key: keyof TlsFileKeys): string => (table ? `${table}.${key}` : key);
  if (certRequired && keys.cert === '') throw new TlsFileError(`${name('cert')}: a certificate file is required`);
  if ((keys.cert === '') !== (keys.key === '')) {
    const [given, missing] = keys.cert === '' ? (['key', 'cert'] as const) : (['cert', 'key'] as const);
    throw new TlsFileError(`${name(missing)}: needed with ${name(given)} (a client or server certificate goes with its private key)`);
  }
  const read = (key: keyof TlsFileKeys): Buffer | undefined => {
    const file = keys[key];
    if (file === '') return undefined;
    try {
      return readFileSync(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      // The key file's path is not shown: it says where the secret lives.
      throw new TlsFileError(`${name(key)}: cannot read ${key === 'key' ? 'the key file' : JSON.stringify(file)} (${code})`);
    }
  };
  const files: TlsFiles = { ca: read('ca'), cert: read('cert'), key: read('key') };
  try {
    if (files.ca) createSecureContext({ ca: files.ca });
  } catch (e) {
    throw new TlsFileError(`${name('ca')}: not a usable PEM CA bundle (${(e as Error).message})`);
  }
  try {
    if (files.cert) createSecureContext({ cert: files.cert, key: files.key });
  } catch (e) {
    throw new TlsFileError(`${name('cert')} and ${name('key')}: not a usable PEM certificate and its key (${(e as Error).message})`);
  }
  return withoutUndefined(files);
}

/** The problem with the files, as readTlsFiles would throw it, or undefined. */
export function checkTlsFiles(table: string, keys: TlsFileKeys, certRequired = false): string | undefined {
  try {
    readTlsFiles(table, keys, certRequired);
    return undefined;
  } catch (e) {
    if (e instanceof TlsFileError) return e.message;
    throw e;
  }
}

function withoutUndefined(files: TlsFiles): TlsFiles {
  return Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined)) as TlsFiles;
}
