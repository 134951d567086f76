// A readiness ping of the schema registry: one cheap GET (the subject list) answered 2xx, over
// the same TLS trust and credentials as the worker's registry client.
import http from 'node:http';
import https from 'node:https';
import type { RegistryAuth } from './avro-codec.ts';

export function registryPing(url: string, auth: RegistryAuth | null, tls: { readonly ca: string } | null = null): () => Promise<void> {
  const headers: Record<string, string> = auth
    ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` }
    : {};
  const subjects = new URL(`${url.replace(/\/+$/, '')}/subjects`);
  const secure = subjects.protocol === 'https:';
  const agent = secure ? new https.Agent({ ...(tls ? { ca: tls.ca } : {}), keepAlive: true }) : new http.Agent({ keepAlive: true });
  return () => new Promise<void>((resolve, reject) => {
    const request = (secure ? https : http).get(subjects, { headers, agent, timeout: 2_000 }, (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) resolve();
      else reject(new Error(`registry answered ${status}`));
    });
    request.on('timeout', () => request.destroy(new Error('registry did not answer within 2 s')));
    request.on('error', reject);
  });
}
