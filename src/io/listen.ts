// Listening on a port, for the HTTP service and the cluster primary's handoff alike.
import type { Server } from 'node:net';

/** Listens on `port` (0: any free one) at `address` ('' = every address); rejects with the listen error. */
export function listenOn(server: Server, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address || undefined, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The port a server listens on, or undefined when it does not. */
export function listeningPort(server: Server | undefined): number | undefined {
  const a = server?.address();
  return typeof a === 'object' && a !== null ? a.port : undefined;
}
