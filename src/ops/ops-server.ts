// The HTTP ops listener of every process: /healthz (the process is alive and its event loop
// answers), /readyz (readiness.ts: 200 ready, 503 not, with each check's outcome as JSON), and
// /metrics (Prometheus text). node:http, not a framework: three GET routes need none. HTTPS
// (node:https) when given a certificate, with client certificates required when given a client CA.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging/logger.ts';
import type { Readiness } from './readiness.ts';

export interface OpsServer {
  /** The port it listens on (the one asked for, or the one given for port 0). */
  readonly port: number;
  /** http or https. */
  readonly scheme: 'http' | 'https';
  close(): Promise<void>;
}

/** PEM contents of the listener's certificate and key, and of the CA its clients' certificates must chain to (null: any client). */
export interface OpsTls {
  readonly cert: string;
  readonly key: string;
  readonly clientCa: string | null;
}

export interface OpsServerOptions {
  readonly host: string;
  readonly port: number;
  /** HTTPS on the listener; null or left out: plain HTTP. */
  readonly tls?: OpsTls | null;
  readonly readiness: Readiness;
  readonly metrics: Registry;
  readonly logger: Logger;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

async function route(req: IncomingMessage, res: ServerResponse, options: OpsServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
  switch (path) {
    case '/healthz':
      return send(res, 200, 'application/json', '{"alive":true}\n');
    case '/readyz': {
      const report = await options.readiness.report();
      return send(res, report.ready ? 200 : 503, 'application/json', `${JSON.stringify(report)}\n`);
    }
    case '/metrics':
      return send(res, 200, options.metrics.contentType, await options.metrics.metrics());
    default:
      return send(res, 404, 'text/plain', 'not found: /healthz, /readyz, /metrics\n');
  }
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    route(req, res, options).catch((error: unknown) => {
      options.logger.error({ err: error, url: req.url }, 'ops request failed');
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.end();
    });
  };
  const tls = options.tls ?? null;
  // An https.Server is a tls.Server, not an http.Server, to TypeScript; both have every member used here.
  const server = (tls === null ? createServer(handle) : createHttpsServer({
    cert: tls.cert, key: tls.key,
    ...(tls.clientCa === null ? {} : { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true }),
  }, handle)) as Server;
  // Probes and scrapes are short; an idle keep-alive connection must not hold a stop up.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const scheme = tls === null ? 'http' : 'https';
  options.logger.info({ host: options.host, port, scheme, clientCertificates: tls?.clientCa ? 'required' : 'not asked' }, 'ops listener started (/healthz, /readyz, /metrics)');
  return {
    port,
    scheme,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
