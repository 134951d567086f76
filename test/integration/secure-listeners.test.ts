// TLS on the process's own listeners (the read API and the ops listener), with the secure stack's
// private CA and certificates: `npm run api` (src/api/main.ts) as an operator starts it, on the
// secure servers. One process serves the read API over HTTPS (any client) and the ops listener
// with client certificates required; the other the other way round, so each listener is shown
// both ways. A request over HTTPS is answered; plaintext to the TLS port gets no HTTP answer; a
// client without a certificate of the client CA (none, or another CA's) is refused.
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_SECRET, JWT_SECRET, serviceToken } from '../support/read-api.ts';
import { secureStack, secureWorkerEnv, type SecureStack } from '../support/secure-stack.ts';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.ts';

const SKIPPED = process.env['SECURE_STACK'] === '0'; // scripts/test.sh: no secure stack asked for

interface Answer { readonly status: number; readonly body: string }
interface ClientTls { readonly ca?: string; readonly cert?: string; readonly key?: string }

/** One GET over https (trusting `tls.ca`, presenting `tls.cert` when given) or plain http. */
function get(url: string, tls: ClientTls = {}, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const secure = url.startsWith('https:');
    const req = (secure ? httpsRequest : httpRequest)(url, { headers, timeout: 5_000, ...(secure ? tls : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

let s: SecureStack;
let tls: { ca: string; cert: string; key: string; otherCert: string; otherKey: string };
const processes: WorkerProcess[] = [];

/** `npm run api` on the secure servers with the given listener variables; its two base URLs. */
async function startApi(listeners: Record<string, string>): Promise<{ api: string; ops: string }> {
  const env = { ...secureWorkerEnv(s, randomUUID().slice(0, 8)), API_PORT: '0', API_HOST: '127.0.0.1', API_JWT_SECRET: JWT_SECRET, API_PAGE_TOKEN_SECRET: PAGE_SECRET, LOG_LEVEL: 'info', ...listeners };
  const api = startWorkerProcess(env, { entry: 'src/api/main.ts' });
  processes.push(api);
  const listening = await api.waitForLog((l) => l.msg === 'read API listening', 'the read API', 60_000);
  return { api: String(listening['url']), ops: await api.opsUrl() };
}

let apiTlsOpsMtls: { api: string; ops: string };
let apiMtlsOpsTls: { api: string; ops: string };

beforeAll(async () => {
  if (SKIPPED) return;
  s = secureStack();
  tls = {
    ca: readFileSync(s.tls('ca.pem'), 'utf8'), cert: readFileSync(s.tls('client.pem'), 'utf8'), key: readFileSync(s.tls('client.key'), 'utf8'),
    otherCert: readFileSync(s.tls('other-server.pem'), 'utf8'), otherKey: readFileSync(s.tls('other-server.key'), 'utf8'),
  };
  const server = { cert: s.tls('server.pem'), key: s.tls('server.key') };
  [apiTlsOpsMtls, apiMtlsOpsTls] = await Promise.all([
    startApi({ API_TLS_CERT_FILE: server.cert, API_TLS_KEY_FILE: server.key, OPS_TLS_CERT_FILE: server.cert, OPS_TLS_KEY_FILE: server.key, OPS_TLS_CLIENT_CA_FILE: s.tls('ca.pem') }),
    startApi({ API_TLS_CERT_FILE: server.cert, API_TLS_KEY_FILE: server.key, API_TLS_CLIENT_CA_FILE: s.tls('ca.pem'), OPS_TLS_CERT_FILE: server.cert, OPS_TLS_KEY_FILE: server.key }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
});

const readPath = '/v1/services/svc-tls/users/usr-tls/consents';

describe.skipIf(SKIPPED)('TLS on the read API and ops listeners', () => {
  it('serves the read API over HTTPS to a client that trusts the CA', async () => {
    expect(apiTlsOpsMtls.api).toMatch(/^https:\/\//);
    const answer = await get(`${apiTlsOpsMtls.api}${readPath}`, { ca: tls.ca }, { authorization: `Bearer ${await serviceToken('svc-tls')}` });
    expect(answer).toEqual({ status: 200, body: JSON.stringify({ data: [], nextPageToken: null }) });
  });

  it('gives no HTTP answer to plaintext on the read API and ops TLS ports', async () => {
    for (const url of [apiTlsOpsMtls.api, apiMtlsOpsTls.ops]) {
      const plain = url.replace(/^https:/, 'http:');
      // A TLS server answers an HTTP request line with a TLS alert or a close: never an HTTP status.
      await expect(get(`${plain}/healthz`)).rejects.toThrow();
    }
  });

  it('serves the ops listener over HTTPS: /healthz, /readyz and /metrics', async () => {
    expect(apiMtlsOpsTls.ops).toMatch(/^https:\/\//);
    expect((await get(`${apiMtlsOpsTls.ops}/healthz`, { ca: tls.ca })).status).toBe(200);
    expect((await get(`${apiMtlsOpsTls.ops}/metrics`, { ca: tls.ca })).body).toContain('# TYPE');
    const ready = await get(`${apiMtlsOpsTls.ops}/readyz`, { ca: tls.ca });
    expect([200, 503]).toContain(ready.status);
    expect(JSON.parse(ready.body)).toHaveProperty('checks');
  });

  it('refuses an ops client without a certificate of the client CA when one is set, and serves one with it', async () => {
    await expect(get(`${apiTlsOpsMtls.ops}/healthz`, { ca: tls.ca })).rejects.toThrow();
    await expect(get(`${apiTlsOpsMtls.ops}/healthz`, { ca: tls.ca, cert: tls.otherCert, key: tls.otherKey })).rejects.toThrow();
    expect((await get(`${apiTlsOpsMtls.ops}/healthz`, { ca: tls.ca, cert: tls.cert, key: tls.key })).status).toBe(200);
  });

  it('refuses a read API caller without a certificate of the client CA when one is set, and serves one with it', async () => {
    const headers = { authorization: `Bearer ${await serviceToken('svc-tls')}` };
    await expect(get(`${apiMtlsOpsTls.api}${readPath}`, { ca: tls.ca }, headers)).rejects.toThrow();
    await expect(get(`${apiMtlsOpsTls.api}${readPath}`, { ca: tls.ca, cert: tls.otherCert, key: tls.otherKey }, headers)).rejects.toThrow();
    expect((await get(`${apiMtlsOpsTls.api}${readPath}`, { ca: tls.ca, cert: tls.cert, key: tls.key }, headers)).status).toBe(200);
  });

  it('refuses to start with a certificate and no key, naming the variable', async () => {
    const env = { ...secureWorkerEnv(s, randomUUID().slice(0, 8)), API_PORT: '0', API_JWT_SECRET: JWT_SECRET, API_PAGE_TOKEN_SECRET: PAGE_SECRET, API_TLS_CERT_FILE: s.tls('server.pem') };
    const api = startWorkerProcess(env, { entry: 'src/api/main.ts' });
    processes.push(api);
    expect(await api.exited()).toBe(2);
    expect(api.stderr()).toContain('API_TLS_KEY_FILE');
  });
});
