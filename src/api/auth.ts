// Bearer tokens verified with jose: a JWKS URL (keys fetched and cached by jose), a PEM public
// key, or a shared secret (development). Claims: sub (the caller), userId (defaults to sub),
// orgId, serviceId, roles (an array). Any failure to verify is a 401 with no detail beyond the
// reason class, so a forger learns nothing about the key.
import { createRemoteJWKSet, errors as joseErrors, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { ApiConfig } from '../config/api-config.ts';
import { ApiError } from './errors.ts';

export type Role = 'org_owner' | 'org_admin' | 'service' | 'user';

export interface Caller {
  readonly subject: string;
  readonly userId: string;
  readonly orgId: string | null;
  readonly serviceId: string | null;
  readonly roles: readonly string[];
}

export type VerifyAuthorization = (header: string | undefined) => Promise<Caller>;

const unauthorized = (message: string): ApiError => new ApiError('401', 'UNAUTHORIZED', message);

const stringClaim = (payload: JWTPayload, name: string): string | null =>
  typeof payload[name] === 'string' && payload[name] !== '' ? (payload[name] as string) : null;

/**
 * A verified token is remembered for at most this long (and never past its exp): callers send the
 * same token with every request, and verifying it again cost about a fifth of the API's CPU per
 * read. The bound keeps a key withdrawn from the JWKS effective within a minute.
 */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
/** At most this many verified tokens are remembered; the oldest is forgotten first. */
const VERIFIED_TOKENS_MAX = 10_000;

/** Verified tokens and until when each may be trusted without verifying it again. */
function verifiedTokens(now: () => number): { get(token: string): Caller | undefined; set(token: string, caller: Caller, exp: number | undefined): void } {
  const entries = new Map<string, { caller: Caller; until: number }>();
  return {
    get(token) {
      const entry = entries.get(token);
      if (entry === undefined) return undefined;
      if (now() < entry.until) return entry.caller;
      entries.delete(token);
      return undefined;
    },
    set(token, caller, exp) {
      const verifiedAt = now();
      const until = Math.min(verifiedAt + VERIFIED_TOKEN_TTL_MS, exp === undefined ? Infinity : exp * 1_000);
      if (entries.size >= VERIFIED_TOKENS_MAX) entries.delete(entries.keys().next().value as string);
      entries.set(token, { caller, until });
    },
  };
}

/** `onLookup` hears whether each token was already verified (the token-cache metric). */
export async function tokenVerifier(jwt: ApiConfig['jwt'], now: () => number = Date.now, onLookup: (hit: boolean) => void = () => undefined): Promise<VerifyAuthorization> {
  const verified = verifiedTokens(now);
  const options = { ...(jwt.issuer ? { issuer: jwt.issuer } : {}), ...(jwt.audience ? { audience: jwt.audience } : {}) };
  let verify: (token: string) => Promise<JWTPayload>;
  switch (jwt.key.kind) {
    case 'jwks': {
      const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(jwt.key.url));
      verify = async (token) => (await jwtVerify(token, keys, options)).payload;
      break;
    }
    case 'publicKey': {
      const key = await importSPKI(jwt.key.pem, jwt.key.algorithm);
      const algorithms = [jwt.key.algorithm];
      verify = async (token) => (await jwtVerify(token, key, { ...options, algorithms })).payload;
      break;
    }
    case 'secret': {
      const key = new TextEncoder().encode(jwt.key.secret);
      verify = async (token) => (await jwtVerify(token, key, { ...options, algorithms: ['HS256'] })).payload;
      break;
    }
  }

  return async (header) => {
    const match = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(header ?? '');
    if (!match) throw unauthorized('an Authorization: Bearer <JWT> header is required');
    const token = match[1] as string;
    const known = verified.get(token);
    onLookup(known !== undefined);
    if (known !== undefined) return known;
    let payload: JWTPayload;
    try {
      payload = await verify(token);
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw unauthorized('the token has expired');
      if (error instanceof joseErrors.JOSEError) throw unauthorized('the token could not be verified');
      throw error; // a JWKS endpoint that cannot be reached is ours to fix: 500, logged
    }
    const subject = stringClaim(payload, 'sub');
    if (subject === null) throw unauthorized('the token has no subject');
    const roles = Array.isArray(payload['roles']) ? payload['roles'].filter((r): r is string => typeof r === 'string') : [];
    const caller: Caller = {
      subject,
      userId: stringClaim(payload, 'userId') ?? subject,
      orgId: stringClaim(payload, 'orgId'),
      serviceId: stringClaim(payload, 'serviceId'),
      roles: Object.freeze(roles),
    };
    verified.set(token, Object.freeze(caller), payload.exp);
    return caller;
  };
}
