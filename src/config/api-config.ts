// The read API's configuration, read once from the environment, in the style of config.ts (and
// meant to be folded into it): a plain function, defaults beside each setting, a ConfigError
// naming the variable at fault.
import { ConfigError, type ConfigIssue } from './config.ts';

/** A ConfigError naming its variable (the message's first word), as the worker's schema reports them. */
function bad(message: string): ConfigError {
  const [variable = '(environment)', ...rest] = message.split(' ');
  return new ConfigError([{ variable, message: rest.join(' ') }]);
}

type Env = Readonly<Record<string, string | undefined>>;

/** Exactly one way to verify tokens: a JWKS URL (production), a PEM public key or a shared secret (development). */
export type JwtKeySource =
  | { readonly kind: 'jwks'; readonly url: string }
  | { readonly kind: 'publicKey'; readonly pem: string; readonly algorithm: string }
  | { readonly kind: 'secret'; readonly secret: string };

export interface ApiConfig {
  readonly port: number;
  readonly host: string;
  readonly jwt: {
    readonly key: JwtKeySource;
    readonly issuer: string | null;
    readonly audience: string | null;
  };
  /** Signs page tokens (HMAC-SHA256); every replica needs the same one. */
  readonly pageTokenSecret: string;
  readonly pageLimitDefault: number;
  readonly pageLimitMax: number;
  /** Requests per caller (per org on org routes) per fixed window, counted in Redis. */
  readonly rateLimit: number;
  readonly rateWindowMs: number;
}

function text(env: Env, name: string): string | null {
  const value = env[name]?.trim();
  return value ? value : null;
}

function int(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw bad(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

const MIN_SECRET_LENGTH = 32; // HS256 wants a key at least as long as its 256-bit output

function secret(env: Env, name: string): string | null {
  const value = text(env, name);
  if (value !== null && value.length < MIN_SECRET_LENGTH) throw bad(`${name} must be at least ${MIN_SECRET_LENGTH} characters`);
  return value;
}

function jwtKey(env: Env): JwtKeySource {
  const url = text(env, 'API_JWT_JWKS_URL');
  const pem = text(env, 'API_JWT_PUBLIC_KEY');
  const shared = secret(env, 'API_JWT_SECRET');
  const set = [url, pem, shared].filter((v) => v !== null).length;
  if (set !== 1) {
    throw new ConfigError([{ variable: 'API_JWT_JWKS_URL, API_JWT_PUBLIC_KEY, API_JWT_SECRET', message: `exactly one of them must be set, got ${set}` }]);
  }
  if (url !== null) {
    if (!/^https?:\/\//.test(url)) throw bad(`API_JWT_JWKS_URL must be an http(s) URL, got ${JSON.stringify(url)}`);
    return { kind: 'jwks', url };
  }
  if (pem !== null) {
    if (!pem.includes('-----BEGIN PUBLIC KEY-----')) throw bad('API_JWT_PUBLIC_KEY must be a PEM (SPKI) public key');
    const algorithm = text(env, 'API_JWT_ALGORITHM') ?? 'RS256';
    if (!/^(RS|PS|ES)(256|384|512)$|^EdDSA$/.test(algorithm)) throw bad(`API_JWT_ALGORITHM is not an asymmetric JWS algorithm: ${algorithm}`);
    return { kind: 'publicKey', pem: pem.replace(/\\n/g, '\n'), algorithm };
  }
  return { kind: 'secret', secret: shared as string };
}

/** READ_API_ENABLED: whether `npm start` serves the read API beside the worker (default false). */
export function readApiEnabled(env: Env = process.env): boolean {
  const raw = env['READ_API_ENABLED']?.trim().toLowerCase();
  if (!raw || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw bad(`READ_API_ENABLED must be true or false, got ${JSON.stringify(raw)}`);
}

export function loadApiConfig(env: Env = process.env): ApiConfig {
  // Every variable is read, and every bad one reported together (as the worker's schema does):
  // a reader that refuses its variable leaves its issue here and a stand-in value for the rest.
  const issues: ConfigIssue[] = [];
  const checked = <T>(read: () => T, standIn: T): T => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues);
      return standIn;
    }
  };
  const pageTokenSecret = checked(() => {
    const value = secret(env, 'API_PAGE_TOKEN_SECRET');
    if (value === null) throw bad('API_PAGE_TOKEN_SECRET must be set (signs page tokens; the same on every replica)');
    return value;
  }, '');
  const pageLimitMax = checked(() => int(env, 'API_PAGE_LIMIT_MAX', 100, 1, 1_000), 1_000);
  const config: ApiConfig = {
    port: checked(() => int(env, 'API_PORT', 8080, 0, 65_535), 0),
    host: text(env, 'API_HOST') ?? '127.0.0.1',
    jwt: { key: checked(() => jwtKey(env), { kind: 'secret', secret: '' }), issuer: text(env, 'API_JWT_ISSUER'), audience: text(env, 'API_JWT_AUDIENCE') },
    pageTokenSecret,
    pageLimitDefault: checked(() => int(env, 'API_PAGE_LIMIT_DEFAULT', 20, 1, pageLimitMax), 1),
    pageLimitMax,
    rateLimit: checked(() => int(env, 'API_RATE_LIMIT', 1_200, 1), 1), // requests per caller per window
    rateWindowMs: checked(() => int(env, 'API_RATE_WINDOW_MS', 60_000, 1), 1), // 1 minute
  };
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}
