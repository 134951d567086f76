// The read API's settings: their variables, rules and defaults are in the one schema of
// config.ts; this module names their shape and gives the read API's view of that schema.
import { ConfigError, ENV_SCHEMA, loadConfig, type LoadOptions } from './config.ts';

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

const SERVES_READ_API: LoadOptions = { readApi: true };

/** The read API's settings out of the whole schema (a ConfigError names every bad variable of it). */
export function loadApiConfig(env: Env = process.env): ApiConfig {
  return loadConfig(env, undefined, SERVES_READ_API).readApi as ApiConfig;
}

/** READ_API_ENABLED: whether `npm start` serves the read API beside the worker (default false). */
export function readApiEnabled(env: Env = process.env): boolean {
  const parsed = ENV_SCHEMA.shape.READ_API_ENABLED.safeParse(env['READ_API_ENABLED']?.trim() || undefined);
  if (!parsed.success) throw new ConfigError([{ variable: 'READ_API_ENABLED', message: parsed.error.issues[0]?.message ?? 'is invalid' }]);
  return parsed.data;
}
