// The read API's view of the one schema of config.ts (its variables, rules, defaults and the
// shape of its settings are there).
import { ConfigError, ENV_SCHEMA, loadConfig, type ApiConfig, type LoadOptions } from './config.ts';

type Env = Readonly<Record<string, string | undefined>>;

export type { ApiConfig, JwtKeySource } from './config.ts';

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
