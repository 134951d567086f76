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

export async function tokenVerifier(jwt: ApiConfig['jwt']): Promise<VerifyAuthorization> {
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
    let payload: JWTPayload;
    try {
      payload = await verify(match[1] as string);
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw unauthorized('the token has expired');
      if (error instanceof joseErrors.JOSEError) throw unauthorized('the token could not be verified');
      throw error; // a JWKS endpoint that cannot be reached is ours to fix: 500, logged
    }
    const subject = stringClaim(payload, 'sub');
    if (subject === null) throw unauthorized('the token has no subject');
    const roles = Array.isArray(payload['roles']) ? payload['roles'].filter((r): r is string => typeof r === 'string') : [];
    return {
      subject,
      userId: stringClaim(payload, 'userId') ?? subject,
      orgId: stringClaim(payload, 'orgId'),
      serviceId: stringClaim(payload, 'serviceId'),
      roles,
    };
  };
}
