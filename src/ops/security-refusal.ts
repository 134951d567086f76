// Whether a failure is a server refusing the worker (wrong credentials, an untrusted or expired
// certificate, an ACL), as opposed to a server that is down. A refusal does not heal by waiting:
// the operator must fix a secret, a certificate or an ACL, so it is reported loudly (readiness
// red with the reason, an error log line) instead of passing for one more outage.
// Recognised by the shapes the clients give their errors (kafkajs, ioredis, the MongoDB driver,
// Node's TLS, the registry's HTTP status), walking the causes they wrap them in.

const KAFKA_REFUSALS = new Set([
  'SASL_AUTHENTICATION_FAILED', 'ILLEGAL_SASL_STATE', 'UNSUPPORTED_SASL_MECHANISM',
  'TOPIC_AUTHORIZATION_FAILED', 'GROUP_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
]);
// Node's TLS verification codes (a certificate the client does not trust, or no longer).
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_SSL|ERR_TLS/;
const REDIS_REFUSAL = /^(WRONGPASS|NOAUTH|NOPERM)\b/;
const MONGO_AUTH_CODES = new Set([13, 18]); // Unauthorized, AuthenticationFailed
const CERTIFICATE_TEXT = /certificate|self[- ]signed/i;

interface ErrorLike {
  name?: unknown; type?: unknown; code?: unknown; status?: unknown; message?: unknown;
  cause?: unknown; originalError?: unknown; reason?: unknown; errors?: unknown; lastNodeError?: unknown;
}

function* chain(error: unknown, depth = 0): Generator<ErrorLike> {
  if (typeof error !== 'object' || error === null || depth > 8) return;
  const e = error as ErrorLike;
  yield e;
  // lastNodeError: ioredis' Cluster fails its slot map refresh with a ClusterAllFailedError
  // whose own message says nothing; the node's reply (WRONGPASS, a TLS code) hangs there.
  for (const next of [e.cause, e.originalError, e.reason, e.lastNodeError]) yield* chain(next, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* chain(inner, depth + 1);
  // The MongoDB driver keeps each server's last error in its topology description.
  const servers = (e.reason as { servers?: unknown } | undefined)?.servers;
  if (servers instanceof Map) for (const server of servers.values()) yield* chain((server as { error?: unknown }).error, depth + 1);
}

/** The reason a server refused the worker, or null when the failure is not a refusal. */
export function securityRefusalOf(error: unknown): string | null {
  for (const e of chain(error)) {
    const message = typeof e.message === 'string' ? e.message : '';
    if (e.name === 'KafkaJSSASLAuthenticationError' || (typeof e.type === 'string' && KAFKA_REFUSALS.has(e.type))) {
      return `Kafka refused: ${message || String(e.type)}`;
    }
    if (typeof e.code === 'string' && TLS_CODE.test(e.code)) return `TLS refused: ${e.code}${message ? ` (${message})` : ''}`;
    if (REDIS_REFUSAL.test(message)) return `Redis refused: ${message}`;
    if (typeof e.code === 'number' && MONGO_AUTH_CODES.has(e.code)) return `MongoDB refused: ${message}`;
    if (e.status === 401 || e.status === 403 || /^registry answered 40[13]$/.test(message)) return `schema registry refused: ${message || `HTTP ${String(e.status)}`}`;
    if (CERTIFICATE_TEXT.test(message)) return `TLS refused: ${message}`;
  }
  return null;
}
