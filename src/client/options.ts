// The producer client's options: their shape, and the checks run before anything connects, so a
// mistake (or an insecure combination) is an error at connect() naming the option, not a hang.

export interface ClientTopics {
  readonly consentCommands: string;
  readonly consentResults: string;
  readonly permissionCommands: string;
  readonly permissionResults: string;
}

export type ClientSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface ClientOptions {
  readonly brokers: readonly string[];
  /** Confluent-compatible API, e.g. https://registry:8081 (Apicurio: …/apis/ccompat/v7). */
  readonly registryUrl: string;
  /** Topic names, when they differ from the defaults. */
  readonly topics?: Partial<ClientTopics>;
  readonly clientId?: string;
  /** How long send() waits for the result before rejecting with CommandTimeoutError. */
  readonly timeoutMs?: number;
  /** TLS to the brokers: `true` trusts the system's CAs, `{ ca }` (PEM contents) only that CA. */
  readonly ssl?: boolean | { readonly ca: string };
  /** SASL login to the brokers (SCRAM, or PLAIN over TLS only). */
  readonly sasl?: { readonly mechanism: ClientSaslMechanism; readonly username: string; readonly password: string };
  /** Basic auth to the registry (https only). */
  readonly registryAuth?: { readonly username: string; readonly password: string };
  /** The CA (PEM contents) of an https registry signed by a private authority. */
  readonly registryCa?: string;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;
const MECHANISMS: readonly string[] = ['plain', 'scram-sha-256', 'scram-sha-512'];
const isPem = (value: unknown): boolean => typeof value === 'string' && value.includes('-----BEGIN CERTIFICATE-----');
const filled = (value: unknown): boolean => typeof value === 'string' && value.length > 0;

/** Every problem of the options, each naming its option; empty when they are usable. Never echoes a secret. */
export function problemsOf(options: ClientOptions): string[] {
  const problems: string[] = [];
  if (!Array.isArray(options.brokers) || options.brokers.length === 0 || !options.brokers.every((b) => HOST_PORT.test(String(b)))) {
    problems.push('brokers must be a non-empty list of host:port');
  }
  let registry: URL | null = null;
  try {
    registry = new URL(options.registryUrl);
  } catch { /* reported below */ }
  if (!registry || !['http:', 'https:'].includes(registry.protocol)) problems.push('registryUrl must be an http:// or https:// URL');
  if (options.ssl !== undefined && typeof options.ssl !== 'boolean' && !isPem(options.ssl?.ca)) problems.push('ssl.ca must be a PEM certificate (the file\'s contents, not its path)');
  const sasl = options.sasl;
  if (sasl !== undefined) {
    if (!MECHANISMS.includes(sasl.mechanism)) problems.push(`sasl.mechanism must be one of ${MECHANISMS.join(', ')}`);
    if (!filled(sasl.username) || !filled(sasl.password)) problems.push('sasl.username and sasl.password must be non-empty strings');
    if (sasl.mechanism === 'plain' && !options.ssl) problems.push('sasl.mechanism plain sends the password in clear: set ssl too');
  }
  const auth = options.registryAuth;
  if (auth !== undefined) {
    if (!filled(auth.username) || !filled(auth.password)) problems.push('registryAuth.username and registryAuth.password must be non-empty strings');
    if (registry?.protocol === 'http:') problems.push('registryAuth over http:// sends the password in clear: use an https:// registryUrl');
  }
  if (options.registryCa !== undefined) {
    if (!isPem(options.registryCa)) problems.push('registryCa must be a PEM certificate (the file\'s contents, not its path)');
    if (registry?.protocol === 'http:') problems.push('registryCa is set but registryUrl is http://');
  }
  if (options.timeoutMs !== undefined && !(Number.isInteger(options.timeoutMs) && options.timeoutMs > 0)) problems.push('timeoutMs must be a positive integer');
  return problems;
}

export class ClientOptionsError extends TypeError {
  override readonly name = 'ClientOptionsError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid ConsentWorkerClient options: ${problems.join('; ')}`);
    this.problems = problems;
  }
}
