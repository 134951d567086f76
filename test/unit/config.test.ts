// The configuration read from the environment (no I/O): defaults, every bad variable named at
// once, URLs, broker lists, log levels, TLS/SASL settings and the outbox-clear limits.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARIABLES, loadConfig } from '../../src/config/config.ts';

function issuesOf(env: Record<string, string>, readFile?: (p: string) => string): { variable: string; message: string }[] {
  try {
    loadConfig(env, readFile);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration defaults', () => {
  it('points at the native stack and listens for ops on 9464 when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      kafkaBrokers: ['127.0.0.1:19092'],
      kafkaSecurity: { ssl: false, sasl: null },
      schemaRegistryUrl: 'http://127.0.0.1:18081/apis/ccompat/v7',
      mongodbUri: 'mongodb://127.0.0.1:27027/',
      redisUrl: 'redis://127.0.0.1:16379',
      redisTls: false,
      redisCluster: false,
      lockTtlMs: 2_000,
      logLevel: 'info',
      ops: { host: '0.0.0.0', port: 9464 },
      shutdownTimeoutMs: 25_000,
    });
  });

  it('gives the consumer a 3 s session with a 1 s heartbeat, and takes others', () => {
    expect(loadConfig({}).kafkaGroupTimeouts).toEqual({ sessionTimeoutMs: 3_000, heartbeatIntervalMs: 1_000 });
    expect(loadConfig({ KAFKA_SESSION_TIMEOUT_MS: '6_000', KAFKA_HEARTBEAT_INTERVAL_MS: '500' }).kafkaGroupTimeouts)
      .toEqual({ sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 });
  });

  it('treats an empty or blank variable as unset', () => {
    expect(loadConfig({ LOCK_TTL_MS: '', LOG_LEVEL: '  ' })).toMatchObject({ lockTtlMs: 2_000, logLevel: 'info' });
  });

  it('reads numbers written with underscores and trims brokers', () => {
    expect(loadConfig({ LOCK_TTL_MS: '20_000', KAFKA_BROKERS: ' a:1 , b.example:9093 ' })).toMatchObject({
      lockTtlMs: 20_000, kafkaBrokers: ['a:1', 'b.example:9093'],
    });
  });
});

const badValues: { name: string; env: Record<string, string>; variable: string }[] = [
  { name: 'a broker without a port', env: { KAFKA_BROKERS: 'localhost' }, variable: 'KAFKA_BROKERS' },
  { name: 'a broker port out of range', env: { KAFKA_BROKERS: 'a:1,b:70000' }, variable: 'KAFKA_BROKERS' },
  { name: 'a broker list of commas', env: { KAFKA_BROKERS: ',,' }, variable: 'KAFKA_BROKERS' },
  { name: 'a registry URL that is not a URL', env: { SCHEMA_REGISTRY_URL: 'registry:8081' }, variable: 'SCHEMA_REGISTRY_URL' },
  { name: 'a registry URL over ftp', env: { SCHEMA_REGISTRY_URL: 'ftp://registry/' }, variable: 'SCHEMA_REGISTRY_URL' },
  { name: 'a MongoDB URI over http', env: { MONGODB_URI: 'http://127.0.0.1:27017' }, variable: 'MONGODB_URI' },
  { name: 'a Redis URL without scheme', env: { REDIS_URL: '127.0.0.1:6379' }, variable: 'REDIS_URL' },
  { name: 'a database name with a dot', env: { MONGODB_DATABASE: 'a.b' }, variable: 'MONGODB_DATABASE' },
  { name: 'a log level pino does not have', env: { LOG_LEVEL: 'verbose' }, variable: 'LOG_LEVEL' },
  { name: 'a non-numeric integer', env: { KEY_CONCURRENCY: 'many' }, variable: 'KEY_CONCURRENCY' },
  { name: 'a fractional integer', env: { COMMIT_EVERY: '2.5' }, variable: 'COMMIT_EVERY' },
  { name: 'a negative integer', env: { LOCK_WAIT_MS: '-1' }, variable: 'LOCK_WAIT_MS' },
  { name: 'zero partitions', env: { TOPIC_PARTITIONS: '0' }, variable: 'TOPIC_PARTITIONS' },
  { name: 'a lock TTL under 100 ms', env: { LOCK_TTL_MS: '99' }, variable: 'LOCK_TTL_MS' },
  { name: 'a heartbeat over a third of the session', env: { KAFKA_SESSION_TIMEOUT_MS: '3000', KAFKA_HEARTBEAT_INTERVAL_MS: '1001' }, variable: 'KAFKA_HEARTBEAT_INTERVAL_MS' },
  { name: 'a session under the default heartbeat\'s three', env: { KAFKA_SESSION_TIMEOUT_MS: '2_000' }, variable: 'KAFKA_HEARTBEAT_INTERVAL_MS' },
  { name: 'a session timeout under 1 s', env: { KAFKA_SESSION_TIMEOUT_MS: '999', KAFKA_HEARTBEAT_INTERVAL_MS: '300' }, variable: 'KAFKA_SESSION_TIMEOUT_MS' },
  { name: 'a yes/no flag', env: { SWEEP_ENABLED: 'yes' }, variable: 'SWEEP_ENABLED' },
  { name: 'an ops port past 65535', env: { OPS_PORT: '65536' }, variable: 'OPS_PORT' },
  { name: 'an unknown SASL mechanism', env: { KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, variable: 'KAFKA_SASL_MECHANISM' },
  { name: 'a SASL mechanism without a password', env: { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }, variable: 'KAFKA_SASL_PASSWORD' },
  { name: 'a SASL username without a mechanism', env: { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, variable: 'KAFKA_SASL_MECHANISM' },
  { name: 'a registry username without a password', env: { SCHEMA_REGISTRY_USERNAME: 'u' }, variable: 'SCHEMA_REGISTRY_PASSWORD' },
  { name: 'REDIS_TLS=false with a rediss:// URL', env: { REDIS_TLS: 'false', REDIS_URL: 'rediss://r:6380' }, variable: 'REDIS_TLS' },
  { name: 'a key prefix with a hash tag on a Redis Cluster', env: { REDIS_CLUSTER: 'true', REDIS_KEY_PREFIX: '{cw}:' }, variable: 'REDIS_KEY_PREFIX' },
  { name: 'an unreadable CA file', env: { KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' }, variable: 'KAFKA_SSL_CA_FILE' },
  { name: 'an ops certificate without its key', env: { OPS_TLS_CERT_FILE: '/dev/null' }, variable: 'OPS_TLS_KEY_FILE' },
  { name: 'a read API key without its certificate', env: { API_TLS_KEY_FILE: '/dev/null' }, variable: 'API_TLS_CERT_FILE' },
  { name: 'an ops client CA without a certificate', env: { OPS_TLS_CLIENT_CA_FILE: '/dev/null' }, variable: 'OPS_TLS_CLIENT_CA_FILE' },
  { name: 'an unreadable ops certificate', env: { OPS_TLS_CERT_FILE: '/nonexistent/ops.pem', OPS_TLS_KEY_FILE: '/nonexistent/ops.key' }, variable: 'OPS_TLS_CERT_FILE,OPS_TLS_KEY_FILE' },
  { name: 'a clear delay the published-entries ledger would outlast', env: { OUTBOX_CLEAR_DELAY_MS: '600001' }, variable: 'OUTBOX_CLEAR_DELAY_MS' },
];

describe('configuration errors', () => {
  it.each(badValues)('refuses $name, naming $variable', ({ env, variable }) => {
    expect(issuesOf(env).map((i) => i.variable)).toEqual(variable.split(','));
  });

  it('reports every bad variable at once, each by name', () => {
    const issues = issuesOf({ KAFKA_BROKERS: 'nope', REDIS_URL: 'nope', LOG_LEVEL: 'loud', LOCK_TTL_MS: 'x', KAFKA_SASL_MECHANISM: 'plain' });
    expect(issues.map((i) => i.variable).sort()).toEqual(
      ['KAFKA_BROKERS', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_USERNAME', 'LOCK_TTL_MS', 'LOG_LEVEL', 'REDIS_URL']);
    expect(issues.find((i) => i.variable === 'LOG_LEVEL')?.message).toContain('info');
  });

  it('says each variable in the error message too', () => {
    expect(() => loadConfig({ REDIS_URL: 'x', OPS_PORT: 'y' })).toThrow(/REDIS_URL: .*OPS_PORT: |OPS_PORT: .*REDIS_URL: /);
  });
});

describe('the read API in the one schema', () => {
  const SECRET = 'x'.repeat(32);

  it('has no read API settings, and requires none of its secrets, where it does not run', () => {
    expect(loadConfig({}).readApi).toBeNull();
  });

  it('builds them with READ_API_ENABLED=true, or when the process asks (npm run api)', () => {
    const env = { API_JWT_SECRET: SECRET, API_PAGE_TOKEN_SECRET: SECRET, API_PORT: '9_090' };
    expect(loadConfig({ ...env, READ_API_ENABLED: 'true' }).readApi).toMatchObject({ port: 9_090, jwt: { key: { kind: 'secret' } }, rateLimit: 1_200 });
    expect(loadConfig(env, undefined, { readApi: true }).readApi).toMatchObject({ port: 9_090 });
  });

  it("names the read API's bad variables with the worker's, in one error", () => {
    const issues = issuesOf({ READ_API_ENABLED: 'true', KAFKA_BROKERS: 'nope', API_PORT: 'eighty', API_PAGE_LIMIT_DEFAULT: '200' });
    expect(issues.map((i) => i.variable).sort()).toEqual(
      ['API_JWT_JWKS_URL, API_JWT_PUBLIC_KEY, API_JWT_SECRET', 'API_PAGE_LIMIT_DEFAULT', 'API_PAGE_TOKEN_SECRET', 'API_PORT', 'KAFKA_BROKERS']);
  });
});

describe('security settings', () => {
  it('builds SASL credentials and TLS for Kafka', () => {
    const config = loadConfig({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'worker', KAFKA_SASL_PASSWORD: 's3cret' });
    expect(config.kafkaSecurity).toEqual({ ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'worker', password: 's3cret' } });
  });

  it('reads a CA file for Kafka and Redis, which turns TLS on', () => {
    const config = loadConfig({ KAFKA_SSL_CA_FILE: '/ca/kafka.pem', REDIS_TLS_CA_FILE: '/ca/redis.pem' }, (p) => `PEM of ${p}`);
    expect(config.kafkaSecurity.ssl).toEqual({ ca: 'PEM of /ca/kafka.pem' });
    expect(config.redisTls).toEqual({ ca: 'PEM of /ca/redis.pem' });
  });

  it('serves the ops and read API listeners in plain HTTP unless given a certificate and key', () => {
    const config = loadConfig({ READ_API_ENABLED: 'true', API_JWT_SECRET: 'x'.repeat(32), API_PAGE_TOKEN_SECRET: 'x'.repeat(32) });
    expect(config.ops.tls).toBeNull();
    expect(config.readApi?.tls).toBeNull();
  });

  it('reads the listeners\' certificate, key and client CA files', () => {
    const config = loadConfig({
      OPS_TLS_CERT_FILE: '/tls/ops.pem', OPS_TLS_KEY_FILE: '/tls/ops.key', OPS_TLS_CLIENT_CA_FILE: '/tls/ca.pem',
      READ_API_ENABLED: 'true', API_JWT_SECRET: 'x'.repeat(32), API_PAGE_TOKEN_SECRET: 'x'.repeat(32), API_TLS_CERT_FILE: '/tls/api.pem', API_TLS_KEY_FILE: '/tls/api.key',
    }, (p) => `PEM of ${p}`);
    expect(config.ops.tls).toEqual({ cert: 'PEM of /tls/ops.pem', key: 'PEM of /tls/ops.key', clientCa: 'PEM of /tls/ca.pem' });
    expect(config.readApi?.tls).toEqual({ cert: 'PEM of /tls/api.pem', key: 'PEM of /tls/api.key', clientCa: null });
  });

  it('turns Redis TLS on for a rediss:// URL', () => {
    expect(loadConfig({ REDIS_URL: 'rediss://:pw@redis.example:6380' }).redisTls).toBe(true);
  });

  it('takes REDIS_URL as one node of a Redis Cluster with REDIS_CLUSTER=true, and a prefix with braces only on one Redis', () => {
    expect(loadConfig({ REDIS_CLUSTER: 'true', REDIS_URL: 'redis://127.0.0.1:17001' })).toMatchObject({ redisCluster: true, redisUrl: 'redis://127.0.0.1:17001' });
    expect(loadConfig({ REDIS_KEY_PREFIX: '{cw}:' }).redisKeyPrefix).toBe('{cw}:');
  });

  it('takes registry basic auth in pairs', () => {
    expect(loadConfig({ SCHEMA_REGISTRY_USERNAME: 'u', SCHEMA_REGISTRY_PASSWORD: 'p' }).schemaRegistryAuth).toEqual({ username: 'u', password: 'p' });
  });
});

describe('passwords and CAs by file (mounted secrets)', () => {
  const files: Record<string, string> = {
    '/run/secrets/kafka': 'k-secret\n', '/run/secrets/registry': 'r-secret', '/run/secrets/redis': 'redis p@ss\n',
    '/run/secrets/mongo': 'm/ p@ss:\n', '/ca/registry.pem': 'PEM', '/run/secrets/empty': '\n',
  };
  const read = (p: string): string => {
    const text = files[p];
    if (text === undefined) throw new Error(`ENOENT: no such file, open '${p}'`);
    return text;
  };

  it('reads each password from its file, without the trailing newline', () => {
    const config = loadConfig({
      KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'worker', KAFKA_SASL_PASSWORD_FILE: '/run/secrets/kafka',
      SCHEMA_REGISTRY_URL: 'https://registry:8443', SCHEMA_REGISTRY_USERNAME: 'worker', SCHEMA_REGISTRY_PASSWORD_FILE: '/run/secrets/registry',
      SCHEMA_REGISTRY_CA_FILE: '/ca/registry.pem',
      REDIS_URL: 'rediss://worker@redis:6380', REDIS_PASSWORD_FILE: '/run/secrets/redis',
      MONGODB_URI: 'mongodb://worker@mongo:27017/?tls=true', MONGODB_PASSWORD_FILE: '/run/secrets/mongo',
    }, read);
    expect(config.kafkaSecurity.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'worker', password: 'k-secret' });
    expect(config.schemaRegistryAuth).toEqual({ username: 'worker', password: 'r-secret' });
    expect(config.schemaRegistryTls).toEqual({ ca: 'PEM' });
    expect(config.redisPassword).toBe('redis p@ss');
    expect(config.mongodbUri).toBe('mongodb://worker:m%2F%20p%40ss%3A@mongo:27017/?tls=true'); // percent-encoded
  });

  it.each([
    ['a password both inline and by file', { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_SASL_PASSWORD_FILE: '/run/secrets/kafka' }, 'KAFKA_SASL_PASSWORD_FILE'],
    ['an unreadable password file', { SCHEMA_REGISTRY_USERNAME: 'u', SCHEMA_REGISTRY_PASSWORD_FILE: '/nonexistent' }, 'SCHEMA_REGISTRY_PASSWORD_FILE'],
    ['an empty password file', { REDIS_URL: 'rediss://worker@redis:6380', REDIS_PASSWORD_FILE: '/run/secrets/empty' }, 'REDIS_PASSWORD_FILE'],
    ['a Redis password in the URL and by file', { REDIS_URL: 'rediss://worker:inline@redis:6380', REDIS_PASSWORD_FILE: '/run/secrets/redis' }, 'REDIS_PASSWORD_FILE'],
    ['a MongoDB password file with no user in the URI', { MONGODB_PASSWORD_FILE: '/run/secrets/mongo' }, 'MONGODB_PASSWORD_FILE'],
    ['a registry password file without a username', { SCHEMA_REGISTRY_PASSWORD_FILE: '/run/secrets/registry' }, 'SCHEMA_REGISTRY_USERNAME'],
  ])('refuses %s, naming the variable', (_, env, variable) => {
    expect(issuesOf(env, read).map((i) => i.variable)).toContain(variable);
  });

  it('never puts a password into an error message', () => {
    const message = issuesOf({ KAFKA_SASL_PASSWORD: 'k-secret', KAFKA_SASL_PASSWORD_FILE: '/run/secrets/kafka', REDIS_URL: 'rediss://w:inline-secret@r:1', REDIS_PASSWORD_FILE: '/run/secrets/redis' }, read)
      .map((i) => `${i.variable}: ${i.message}`).join('\n');
    expect(message).not.toMatch(/k-secret|inline-secret|redis p@ss/);
  });
});

describe('outbox clear settings', () => {
  it('defaults to clearing 30 s after the publish, at most 20,000 waiting, 200 per write', () => {
    expect(loadConfig({}).outboxClears).toEqual({ delayMs: 30_000, maxPending: 20_000, batchSize: 200 });
  });

  it('accepts 0 (clear right after the publish) and up to 10 minutes', () => {
    expect(loadConfig({ OUTBOX_CLEAR_DELAY_MS: '0' }).outboxClears.delayMs).toBe(0);
    expect(loadConfig({ OUTBOX_CLEAR_DELAY_MS: '600000' }).outboxClears.delayMs).toBe(600_000);
  });
});

describe('docs/configuration.md', () => {
  it('lists every variable of the configuration with its default', () => {
    const page = readFileSync(path.join(import.meta.dirname, '../../docs/configuration.md'), 'utf8');
    const missing = ENV_VARIABLES.filter((name) => !new RegExp(`^\\| \`${name}\` \\|`, 'm').test(page));
    expect(missing).toEqual([]);
  });
});
