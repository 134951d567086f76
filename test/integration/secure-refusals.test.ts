// Security that would be noticed if it broke: on the secure stack, each server refuses a
// plaintext client, a wrong password, a certificate of another CA and an expired certificate;
// Kafka's ACLs refuse a principal writing outside its grants; and a worker that is refused says
// so (an error log line naming the refusal, /readyz red with the reason) instead of retrying quietly.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkajsSecurity } from '../../src/adapters/kafka/kafka-security.ts';
import { registryPing } from '../../src/adapters/registry/registry-ping.ts';
import { deleteSecureTopics, grantTestAcls, kafkaAs, secureStack, secureWorkerEnv, type Principal, type SecureStack } from '../support/secure-stack.ts';
import { expectRefusalReported, redisPing, wrongPasswordFile } from '../support/refusals.ts';
import { startWorkerProcess } from '../support/worker-process.ts';

process.removeAllListeners('warning'); // kafkajs's TimeoutNegativeWarning on Node 24 (harmless)

const SKIPPED = process.env['SECURE_STACK'] === '0'; // scripts/test.sh: no secure stack asked for

let s: SecureStack;
let env: Record<string, string>;
const pem = (file: string): string => readFileSync(s.tls(file), 'utf8');
const port = (variable: string): string => /:(\d+)/.exec(new URL(s.env[variable]?.replace(/^[a-z]+:\/\/[^@]*@/, 'x://') ?? '').host)?.[1] ?? '';

beforeAll(async () => {
  if (SKIPPED) return;
  s = secureStack();
  env = secureWorkerEnv(s, randomUUID().slice(0, 8));
  await grantTestAcls(s, env, { producerGroupPrefix: 'none-', eventsGroupPrefix: 'none-' });
  const admin = kafkaAs(s, 'admin', { retry: { retries: 3 } }).admin();
  await admin.connect();
  await admin.createTopics({ topics: ['CONSENT_COMMANDS_TOPIC', 'CONSENT_EVENTS_TOPIC'].map((v) => ({ topic: env[v] as string, numPartitions: 1 })), waitForLeaders: true });
  await admin.disconnect();
}, 180_000);

afterAll(async () => { if (env) await deleteSecureTopics(s, env); });

// ---- Kafka ---------------------------------------------------------------------------------------
async function kafkaConnect(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } finally {
    await admin.disconnect();
  }
}
const brokers = (): string[] => [s.env['KAFKA_BROKERS'] as string];
const scram = (username: Principal, password: string) => ({ mechanism: 'scram-sha-512' as const, username, password });
const kafkaWith = (ssl: boolean | { ca: string } | undefined, password: string): Kafka => new Kafka({
  brokers: brokers(), logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3_000, authenticationTimeout: 3_000, requestTimeout: 5_000,
  ...kafkajsSecurity({ ...(ssl === undefined ? {} : { ssl }), sasl: scram('worker', password) }),
});

describe.skipIf(SKIPPED)('Kafka (SASL_SSL, SCRAM-SHA-512, ACLs)', () => {
  it('accepts the worker with the stack CA and its password (the baseline the refusals differ from)', async () => {
    await expect(kafkaConnect(kafkaWith({ ca: pem('ca.pem') }, s.password('worker')))).resolves.toBeUndefined();
  });
  it('refuses a plaintext client', async () => {
    await expect(kafkaConnect(kafkaWith(undefined, s.password('worker')))).rejects.toThrow();
  });
  it('refuses a wrong password', async () => {
    await expect(kafkaConnect(kafkaWith({ ca: pem('ca.pem') }, 'not-the-password'))).rejects.toThrow(/authentication failed/i);
  });
  it('is not trusted by a client that trusts another CA', async () => {
    await expect(kafkaConnect(kafkaWith({ ca: pem('other-ca.pem') }, s.password('worker')))).rejects.toThrow(/certificate|self.signed/i);
  });
  it.each([
    ['producer', 'CONSENT_EVENTS_TOPIC'],
    ['worker', 'CONSENT_COMMANDS_TOPIC'],
    ['events', 'CONSENT_COMMANDS_TOPIC'],
  ] as const)('refuses the %s principal writing to %s by ACL', async (principal, topicVariable) => {
    const producer = kafkaAs(s, principal).producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();
    try {
      const refused = await producer.send({ topic: env[topicVariable] as string, messages: [{ key: 'k', value: 'forged' }] })
        .then(() => null, (error: { type?: string; cause?: { type?: string } }) => error);
      // kafkajs answers TOPIC_AUTHORIZATION_FAILED itself, or wrapped once (no DESCRIBE on the topic).
      expect(refused?.type ?? refused?.cause?.type).toBe('TOPIC_AUTHORIZATION_FAILED');
    } finally {
      await producer.disconnect();
    }
  });
  it('lets the producer principal write a command topic (the ACL that the refusals narrow)', async () => {
    const producer = kafkaAs(s, 'producer').producer({ allowAutoTopicCreation: false, retry: { retries: 2 } });
    await producer.connect();
    try {
      await expect(producer.send({ topic: env['CONSENT_COMMANDS_TOPIC'] as string, messages: [{ key: 'k', value: 'not avro: the worker is not running' }] })).resolves.toBeDefined();
    } finally {
      await producer.disconnect();
    }
  });
});

// ---- Redis ---------------------------------------------------------------------------------------
const redisUrl = (password: string): string => `rediss://worker:${encodeURIComponent(password)}@127.0.0.1:${port('REDIS_URL')}`;

describe.skipIf(SKIPPED)('Redis (TLS only, ACL user, default user off)', () => {
  it('accepts the worker user over TLS with the stack CA (baseline)', async () => {
    await expect(redisPing(redisUrl(s.password('worker')), { ca: pem('ca.pem') })).resolves.toBe('PONG');
  });
  it('refuses a plaintext client', async () => {
    await expect(redisPing(`redis://worker:${encodeURIComponent(s.password('worker'))}@127.0.0.1:${port('REDIS_URL')}`, null)).rejects.toThrow();
  });
  it('refuses a wrong password, and the default user', async () => {
    await expect(redisPing(redisUrl('not-the-password'), { ca: pem('ca.pem') })).rejects.toThrow(/WRONGPASS/);
    await expect(redisPing(`rediss://127.0.0.1:${port('REDIS_URL')}`, { ca: pem('ca.pem') })).rejects.toThrow(/NOAUTH/);
  });
  it('is not trusted by a client that trusts another CA', async () => {
    await expect(redisPing(redisUrl(s.password('worker')), { ca: pem('other-ca.pem') })).rejects.toThrow(/certificate|self.signed/i);
  });
  it('refuses the worker user the admin commands (its ACL: no CONFIG, no FLUSHALL)', async () => {
    const redis = new Redis(redisUrl(s.password('worker')), { tls: { ca: pem('ca.pem') }, maxRetriesPerRequest: 0 });
    try {
      await expect(redis.config('GET', 'requirepass')).rejects.toThrow(/NOPERM/);
      await expect(redis.flushall()).rejects.toThrow(/NOPERM/);
    } finally {
      redis.disconnect();
    }
  });
  it('refuses an expired client certificate (and accepts a valid one)', async () => {
    await expect(redisPing(redisUrl(s.password('worker')), { ca: pem('ca.pem'), cert: pem('client.pem'), key: pem('client.key') })).resolves.toBe('PONG');
    await expect(redisPing(redisUrl(s.password('worker')), { ca: pem('ca.pem'), cert: pem('expired.pem'), key: pem('expired.key') })).rejects.toThrow();
  });
});

// ---- FerretDB ------------------------------------------------------------------------------------
async function mongoPing(uri: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 3_000, directConnection: true });
  try {
    await client.db('admin').command({ ping: 1 });
    await client.db(`cwtest_refusals`).collection('probe').findOne({});
  } finally {
    await client.close();
  }
}
const mongoUri = (options: { password?: string; ca?: string; bundle?: string | null; tls?: boolean }): string => {
  const { password = s.password('worker'), ca = 'ca.pem', bundle = 'client-bundle.pem', tls = true } = options;
  const params = tls
    ? `tls=true&tlsCAFile=${s.tls(ca)}${bundle ? `&tlsCertificateKeyFile=${s.tls(bundle)}` : ''}&authSource=admin&authMechanism=SCRAM-SHA-256`
    : 'authSource=admin&authMechanism=SCRAM-SHA-256';
  return `mongodb://worker:${encodeURIComponent(password)}@127.0.0.1:${port('MONGODB_URI')}/?${params}`;
};

describe.skipIf(SKIPPED)('FerretDB (TLS only with client certificates, SCRAM users)', () => {
  it('accepts the worker with its certificate and password (baseline)', async () => {
    await expect(mongoPing(mongoUri({}))).resolves.toBeUndefined();
  });
  it('refuses a plaintext client', async () => {
    await expect(mongoPing(mongoUri({ tls: false }))).rejects.toThrow();
  });
  it('refuses a wrong password', async () => {
    await expect(mongoPing(mongoUri({ password: 'not-the-password' }))).rejects.toThrow(/Authentication failed/);
  });
  it('is not trusted by a client that trusts another CA', async () => {
    await expect(mongoPing(mongoUri({ ca: 'other-ca.pem' }))).rejects.toThrow(/certificate|self.signed/i);
  });
  it('refuses a client without a certificate, and one whose certificate expired', async () => {
    await expect(mongoPing(mongoUri({ bundle: null }))).rejects.toThrow();
    await expect(mongoPing(mongoUri({ bundle: 'expired-bundle.pem' }))).rejects.toThrow();
  });
});

// ---- Apicurio ------------------------------------------------------------------------------------
describe.skipIf(SKIPPED)('the schema registry (HTTPS only, basic auth)', () => {
  const url = (): string => s.env['SCHEMA_REGISTRY_URL'] as string;
  it('accepts the worker over https with its password (baseline)', async () => {
    await expect(registryPing(url(), { username: 'worker', password: s.password('worker') }, { ca: pem('ca.pem') })()).resolves.toBeUndefined();
  });
  it('refuses plain http', async () => {
    await expect(registryPing(url().replace('https:', 'http:'), { username: 'worker', password: s.password('worker') })()).rejects.toThrow();
  });
  it('refuses a wrong password, and no credentials', async () => {
    await expect(registryPing(url(), { username: 'worker', password: 'not-the-password' }, { ca: pem('ca.pem') })()).rejects.toThrow('registry answered 401');
    await expect(registryPing(url(), null, { ca: pem('ca.pem') })()).rejects.toThrow('registry answered 401');
  });
  it('is not trusted by a client that trusts another CA', async () => {
    await expect(registryPing(url(), { username: 'worker', password: s.password('worker') }, { ca: pem('other-ca.pem') })()).rejects.toThrow(/certificate|self.signed/i);
  });
});

// ---- the worker, refused -------------------------------------------------------------------------
describe.skipIf(SKIPPED)('a worker refused by a server', () => {
  it.each([
    ['Kafka, wrong password', (): Record<string, string> => ({ KAFKA_SASL_PASSWORD_FILE: wrongPasswordFile() }), /Kafka refused/],
    ['Redis, wrong password', (): Record<string, string> => ({ REDIS_PASSWORD_FILE: wrongPasswordFile() }), /Redis refused: WRONGPASS/],
    ['the registry, untrusted certificate', (): Record<string, string> => ({ SCHEMA_REGISTRY_CA_FILE: s.tls('other-ca.pem') }), /TLS refused/],
  ])('%s: logs the refusal at error level and turns /readyz red with the reason', async (_, broken, reason) => {
    const worker = startWorkerProcess({ ...env, LOG_LEVEL: 'info', ...broken() });
    try {
      await expectRefusalReported(worker, reason);
    } finally {
      await worker.stop();
    }
  }, 120_000); // a Redis refusal shows on /readyz once the worker runs (its group joined)
});
