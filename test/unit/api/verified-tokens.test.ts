// The read API remembers a verified token instead of verifying it on every request, but never past
// its exp and never longer than VERIFIED_TOKEN_TTL_MS (so a key withdrawn from a JWKS stops
// working within that bound). A cache hit returns the very Caller object the verification built.
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { tokenVerifier, VERIFIED_TOKEN_TTL_MS } from '../../../src/api/auth.ts';

const SECRET = 'a-test-secret-of-at-least-thirty-two-bytes';
const sign = (expSeconds: number): Promise<string> => new SignJWT({ roles: ['service'] })
  .setProtectedHeader({ alg: 'HS256' }).setSubject('svc-a').setExpirationTime(expSeconds)
  .sign(new TextEncoder().encode(SECRET));

async function verifierAt(clock: { now: number }) {
  return tokenVerifier({ key: { kind: 'secret', secret: SECRET }, issuer: null, audience: null }, () => clock.now);
}

describe('verified tokens', () => {
  it('answers a token verified before from memory, with the same caller', async () => {
    const clock = { now: Date.now() };
    const verify = await verifierAt(clock);
    const token = await sign(Math.floor(Date.now() / 1_000) + 3_600);
    const first = await verify(`Bearer ${token}`);
    clock.now += VERIFIED_TOKEN_TTL_MS - 1;
    expect(await verify(`Bearer ${token}`)).toBe(first);
  });

  it('verifies a token again once VERIFIED_TOKEN_TTL_MS has passed', async () => {
    const clock = { now: Date.now() };
    const verify = await verifierAt(clock);
    const token = await sign(Math.floor(Date.now() / 1_000) + 3_600);
    const first = await verify(`Bearer ${token}`);
    clock.now += VERIFIED_TOKEN_TTL_MS;
    const again = await verify(`Bearer ${token}`);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it('does not trust a remembered token past its exp', async () => {
    const clock = { now: Date.now() };
    const verify = await verifierAt(clock);
    const exp = Math.floor(Date.now() / 1_000) + 5;
    const token = await sign(exp);
    const first = await verify(`Bearer ${token}`);
    clock.now = exp * 1_000; // the cache's clock at exp: jose's own clock still finds the token valid
    expect(await verify(`Bearer ${token}`)).not.toBe(first);
  });
});
