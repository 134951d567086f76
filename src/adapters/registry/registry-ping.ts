// A readiness ping of the schema registry: one cheap GET (the subject list) answered 2xx.
export function registryPing(url: string, auth: { readonly username: string; readonly password: string } | null): () => Promise<void> {
  const headers: Record<string, string> = auth
    ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` }
    : {};
  const subjects = `${url.replace(/\/+$/, '')}/subjects`;
  return async () => {
    const response = await fetch(subjects, { headers, signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`registry answered ${response.status}`);
  };
}
