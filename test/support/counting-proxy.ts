// A TCP proxy that counts what a client sends a server, to count Redis round trips for real
// (no mock): every burst of bytes the client writes (one command, or one pipeline of many
// commands written at once) arrives as one 'data' event here. Bursts are what cost a round
// trip; commands sent together in one burst share it.
import net from 'node:net';

export interface CountingProxy {
  /** redis://host:port of the proxy, for the worker's REDIS_URL. */
  readonly url: string;
  /** Client-to-server bursts since the last reset, over every connection. */
  readonly flights: number;
  /** Connections accepted and passed on to the server, ever. */
  readonly accepted: number;
  reset(): void;
  /** Cuts every connection and refuses new ones until `restore` (the server "down" for its client). */
  cut(): void;
  /**
   * Cuts every connection and stops listening (connection refused, as when the server process is
   * gone): unlike `cut`, whose accepted-then-closed connections count as reconnects to ioredis,
   * the client's retries run out and its commands fail.
   */
  refuse(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(targetUrl: string): Promise<CountingProxy> {
  const target = new URL(targetUrl);
  let flights = 0;
  let accepted = 0;
  let down = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => { flights++; upstream.write(chunk); });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    get flights() { return flights; },
    get accepted() { return accepted; },
    reset() { flights = 0; },
    cut() {
      down = true;
      for (const socket of sockets) socket.destroy();
    },
    refuse() {
      down = true;
      for (const socket of sockets) socket.destroy();
      if (server.listening) server.close();
    },
    restore() {
      down = false;
      if (!server.listening) server.listen(port, '127.0.0.1');
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
