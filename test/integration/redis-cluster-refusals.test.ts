// Security on the secure Redis Cluster (scripts/stack/redis-cluster --secure) that would be
// noticed if it broke: every node refuses a plaintext client, a wrong password, the default user
// and a client that trusts another CA, and refuses the worker user the admin commands; a worker
// on the secure stack with this cluster as its Redis is ready, and with a wrong password says so
// (an error line, /readyz red with the reason). Last, the logs of these runs and of the nodes are
// searched for the cluster's passwords.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterPassword, clusterPorts, clusterRunDir, CLUSTER_SKIPPED, redisClusterEnv, type RedisClusterEnv } from '../support/redis-cluster.ts';
import { expectRefusalReported, redisPing, secretsFoundIn, WRONG_PASSWORD, wrongPasswordFile } from '../support/refusals.ts';
import { deleteSecureTopics, grantTestAcls, secureStack, secureWorkerEnv, type SecureStack } from '../support/secure-stack.ts';
import { pollUrlUntil, startWorkerProcess, type WorkerProcess } from '../support/worker-process.ts';

process.removeAllListeners('warning'); // kafkajs's TimeoutNegativeWarning on Node 24 (harmless)

// The refusals need the secure cluster; the workers, the secure stack's other servers too.
const SKIPPED = CLUSTER_SKIPPED || process.env['SECURE_STACK'] === '0';

let s: SecureStack;
let cluster: RedisClusterEnv;
let env: Record<string, string>;
const runs: WorkerProcess[] = [];
const pem = (file: string): string => readFileSync(s.tls(file), 'utf8');
const ports = (): number[] => clusterPorts('secure');
const nodeUrl = (port: number, password: string, scheme = 'rediss', user = 'worker'): string =>
  `${scheme}://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}`;

beforeAll(async () => {
  if (SKIPPED) return;
  s = secureStack();
  cluster = redisClusterEnv('secure');
  // The secure stack's worker variables, its Redis swapped for the cluster's.
  env = { ...secureWorkerEnv(s, randomUUID().slice(0, 8)), ...cluster };
  await grantTestAcls(s, env, { producerGroupPrefix: 'none-', eventsGroupPrefix: 'none-' });
}, 180_000);

afterAll(async () => {
  for (const run of runs) await run.stop();
  if (env) await deleteSecureTopics(s, env);
});

describe.skipIf(SKIPPED)('the secure Redis Cluster (TLS only, ACL user, default user off), on every node', () => {
  it('accepts the worker user over TLS with the stack CA (the baseline the refusals differ from)', async () => {
    for (const port of ports()) await expect(redisPing(nodeUrl(port, clusterPassword('worker')), { ca: pem('ca.pem') })).resolves.toBe('PONG');
  });
  it('refuses a plaintext client', async () => {
    for (const port of ports()) await expect(redisPing(nodeUrl(port, clusterPassword('worker'), 'redis'), null)).rejects.toThrow();
  });
  it('refuses a wrong password, and the default user', async () => {
    for (const port of ports()) {
      await expect(redisPing(nodeUrl(port, WRONG_PASSWORD), { ca: pem('ca.pem') })).rejects.toThrow(/WRONGPASS/);
      await expect(redisPing(`rediss://127.0.0.1:${port}`, { ca: pem('ca.pem') })).rejects.toThrow(/NOAUTH/);
    }
  });
  it('is not trusted by a client that trusts another CA', async () => {
    for (const port of ports()) await expect(redisPing(nodeUrl(port, clusterPassword('worker')), { ca: pem('other-ca.pem') })).rejects.toThrow(/certificate|self.signed/i);
  });
  it('refuses the worker user the admin commands (no CONFIG, FLUSHALL, CLUSTER RESET), yet gives it the slot map', async () => {
    const redis = new Redis(nodeUrl(ports()[0] as number, clusterPassword('worker')), { tls: { ca: pem('ca.pem') }, maxRetriesPerRequest: 0 });
    try {
      await expect(redis.config('GET', 'requirepass')).rejects.toThrow(/NOPERM/);
      await expect(redis.flushall()).rejects.toThrow(/NOPERM/);
      await expect(redis.cluster('RESET')).rejects.toThrow(/NOPERM/);
      expect(await redis.cluster('SLOTS')).toHaveLength(3);
    } finally {
      redis.disconnect();
    }
  });
  it('gives a cluster client the TLS ports of every node in its slot map, and serves it there', async () => {
    const client = new Cluster([{ host: '127.0.0.1', port: ports()[0] as number }], {
      redisOptions: { username: 'worker', password: clusterPassword('worker'), tls: { ca: pem('ca.pem') } },
    });
    try {
      const key = `cwtest:${randomUUID()}`;
      await client.set(key, 'v', 'PX', 10_000);
      expect(await client.get(key)).toBe('v');
      expect(client.nodes('master').map((node) => Number(node.options.port)).sort((a, b) => a - b)).toEqual(ports());
    } finally {
      await client.quit();
    }
  });
});

describe.skipIf(SKIPPED)('a worker on the secure stack with the secure Redis Cluster', () => {
  it('is ready with every check green (Kafka, the registry and MongoDB as on the secure stack; Redis the cluster)', async () => {
    // Debug: the scan at the end reads the most a run can log.
    const worker = startWorkerProcess({ ...env, LOG_LEVEL: 'debug' });
    runs.push(worker);
    const { body } = await pollUrlUntil(`${await worker.opsUrl()}/readyz`, (status) => status === 200, 'ready', 90_000);
    expect(JSON.parse(body)).toMatchObject({ ready: true, checks: { kafka: 'ok', registry: 'ok', mongodb: 'ok', redis: 'ok' } });
    await worker.stop();
  }, 120_000);

  it('with a wrong password: logs the refusal at error level and turns /readyz red with the reason', async () => {
    const worker = startWorkerProcess({ ...env, LOG_LEVEL: 'info', REDIS_PASSWORD_FILE: wrongPasswordFile() });
    runs.push(worker);
    await expectRefusalReported(worker, /Redis refused: WRONGPASS/);
    await worker.stop();
  }, 120_000);

  it('leaves neither of the cluster\'s passwords in the logs of these runs or of its nodes', async () => {
    const secrets = { 'cluster worker password': clusterPassword('worker'), 'cluster admin password': clusterPassword('admin') };
    const nodeLog = (port: number): string => readFileSync(path.join(clusterRunDir('secure'), `redis-${port}`, 'server.log'), 'utf8');
    const logs: Record<string, string> = {
      ...Object.fromEntries(runs.flatMap((run, i) => [[`worker ${i} stdout`, run.logs.map((line) => JSON.stringify(line)).join('\n')], [`worker ${i} stderr`, run.stderr()]])),
      ...Object.fromEntries(ports().map((port) => [`node ${port}`, nodeLog(port)])),
      'cluster create': readFileSync(path.join(clusterRunDir('secure'), 'create.log'), 'utf8'),
    };
    // The scan reads something: a ready run at debug, a refused one, the nodes' logs.
    expect(runs).toHaveLength(2);
    expect(runs[0]?.logs.map((line) => line.msg)).toContain('worker started');
    expect(logs[`node ${ports()[0]}`]?.length).toBeGreaterThan(0);
    expect(secretsFoundIn(logs, secrets)).toEqual([]);
  });
});
