// The cluster's listeners, in the primary: it accepts every connection and hands its socket
// to the worker with the fewest open (LeastConnections), which serves it as if it had
// accepted it (HttpService.adopt). The primary reads nothing from the sockets.
import type { Worker } from 'node:cluster';
import { createServer, type Server, type Socket } from 'node:net';
import { CONNECTION, CONNECTION_CLOSED } from './cluster-messages';
import type { CollectorConfig } from './config';
import { LeastConnections } from './least-connections';
import { listeningPort, listenOn } from '../io/listen';

export type ListenerName = 'http' | 'https';

/** Connections that come while no worker serves (all starting or restarting) wait, up to this many; later ones are closed. */
const MAX_WAITING = 1000;

export class ConnectionHandoff {
  private readonly workers = new LeastConnections<Worker>();
  private readonly servers = new Map<ListenerName, Server>();
  private readonly waiting: { listener: ListenerName; socket: Socket }[] = [];
  private closed = false;

  /** Listens on the configuration's HTTP port (unless httpsOnly) and HTTPS port (if enabled); rejects with the first listen error. */
  async listen(config: CollectorConfig): Promise<void> {
    if (!config.tls.httpsOnly) await this.listenOn('http', config.port, config.address);
    if (config.tls.enable) await this.listenOn('https', config.tls.port, config.tls.address || config.address);
  }

  private async listenOn(listener: ListenerName, port: number, address: string): Promise<void> {
    const server = createServer({ pauseOnConnect: true }, (socket) => this.handOver(listener, socket));
    await listenOn(server, port, address);
    this.servers.set(listener, server);
  }

  /** The port a listener listens on, or undefined. */
  portOf(listener: ListenerName): number | undefined {
    return listeningPort(this.servers.get(listener));
  }

  /** A worker that serves: it takes connections from now on (those waiting first). */
  serving(worker: Worker): void {
    this.workers.add(worker);
    while (this.waiting.length > 0 && !this.closed) {
      const { listener, socket } = this.waiting.shift()!;
      if (!socket.destroyed) this.handOver(listener, socket);
    }
  }

  /** A worker gone: no more connections for it; its own went with it. */
  gone(worker: Worker): void {
    this.workers.remove(worker);
  }

  /** A worker's message: whether it was the handoff's (a connection of its closed). */
  onMessage(worker: Worker, message: { type?: unknown }): boolean {
    if (message?.type !== CONNECTION_CLOSED) return false;
    this.workers.closed(worker);
    return true;
  }

  /** Stops accepting connections; those waiting for a worker are closed. */
  close(): void {
    this.closed = true;
    for (const server of this.servers.values()) server.close();
    for (const { socket } of this.waiting.splice(0)) socket.destroy();
  }

  private handOver(listener: ListenerName, socket: Socket): void {
    if (this.closed) return void socket.destroy();
    const worker = this.workers.pick();
    if (worker === undefined) {
      if (this.waiting.length >= MAX_WAITING) return void socket.destroy();
      this.waiting.push({ listener, socket });
      return;
    }
    // The socket is closed here once sent; should the worker have gone meanwhile, the connection is dropped (the client sends again).
    worker.send({ type: CONNECTION, listener }, socket, (err: Error | null) => {
      if (err === null) return;
      this.workers.closed(worker);
      socket.destroy();
    });
  }
}
