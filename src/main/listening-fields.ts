// The fields of the 'listening' log lines: the single process's and a worker's (from their
// HTTP service), the primary's (from the ports its workers report).
import type { CollectorConfig } from './config';
import type { HttpService } from '../io/http-server';

/** The 'listening' line's fields: the HTTP address and port (unless httpsOnly), and the HTTPS ones. */
export function listeningOn(config: CollectorConfig, http: HttpService): Record<string, unknown> {
  const plain = config.tls.httpsOnly ? {} : { address: config.address || '*', port: http.portOf('http') };
  return { ...plain, ...httpsListening(config, http.portOf('https')) };
}

export function httpsListening(config: CollectorConfig, port: number | undefined): Record<string, unknown> {
  if (!config.tls.enable) return {};
  return { httpsAddress: config.tls.address || config.address || '*', httpsPort: port, requireClientCert: config.tls.requireClientCert };
}
