// The fields of the 'listening' log line: the single process's (from its HTTP service) and
// the primary's (from its listeners).
import type { CollectorConfig } from './config';

/** The port a listener listens on, if it does. */
export type PortOf = (listener: 'http' | 'https') => number | undefined;

/** The 'listening' line's fields: the HTTP address and port (unless httpsOnly), and the HTTPS ones. */
export function listeningOn(config: CollectorConfig, portOf: PortOf): Record<string, unknown> {
  const plain = config.tls.httpsOnly ? {} : { address: config.address || '*', port: portOf('http') };
  if (!config.tls.enable) return plain;
  return { ...plain, httpsAddress: config.tls.address || config.address || '*', httpsPort: portOf('https'), requireClientCert: config.tls.requireClientCert };
}
