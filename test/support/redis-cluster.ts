// The Redis Clusters of the stack (scripts/stack/redis-cluster): three primaries beside the plain
// stack, plaintext or secure (TLS only, ACL users, `default` off), each brought up once per test
// process (`up` is idempotent and locked, well under a second when up). REDIS_CLUSTER_STACK=0
// (scripts/test.sh) skips the tests that need either.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export const CLUSTER_SKIPPED = process.env['REDIS_CLUSTER_STACK'] === '0';

export type ClusterVariant = 'plain' | 'secure';

/** The worker's Redis variables for a cluster: REDIS_URL (one node), REDIS_CLUSTER=true, and on the secure one REDIS_TLS_CA_FILE, REDIS_PASSWORD_FILE. */
export type RedisClusterEnv = Readonly<Record<string, string>> & { readonly REDIS_URL: string; readonly REDIS_CLUSTER: string };

const home = (): string => process.env['CONSENT_STACK_HOME'] ?? path.join(process.env['XDG_CACHE_HOME'] ?? path.join(homedir(), '.cache'), 'consent-worker');

/** The cluster's run dir, as the stack script computes it. */
export function clusterRunDir(variant: ClusterVariant = 'plain'): string {
  return variant === 'secure'
    ? process.env['SECURE_REDIS_CLUSTER_RUN_DIR'] ?? path.join(home(), 'run-redis-cluster-secure')
    : process.env['REDIS_CLUSTER_RUN_DIR'] ?? path.join(home(), 'run-redis-cluster');
}

const started = new Set<ClusterVariant>();

/** Brings the cluster up (once per process) and returns the variables its `up` wrote. */
export function redisClusterEnv(variant: ClusterVariant = 'plain'): RedisClusterEnv {
  if (!started.has(variant)) {
    execFileSync('bash', [path.join(ROOT, 'scripts/stack/redis-cluster/stack.sh'), 'up', ...(variant === 'secure' ? ['--secure'] : [])], { stdio: ['ignore', 'ignore', 'inherit'] });
    started.add(variant);
  }
  const lines = readFileSync(path.join(clusterRunDir(variant), 'endpoints.env'), 'utf8').split('\n').filter((l) => l.includes('='));
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])) as RedisClusterEnv;
}

/** The cluster's node ports, as the stack script reads them. */
export function clusterPorts(variant: ClusterVariant): number[] {
  const ports = variant === 'secure' ? process.env['SECURE_REDIS_CLUSTER_PORTS'] ?? '17101 17102 17103' : process.env['REDIS_CLUSTER_PORTS'] ?? '17001 17002 17003';
  return ports.trim().split(/\s+/).map(Number);
}

/** A password the secure cluster's `up` made (the worker's, or the admin's its script uses). */
export function clusterPassword(user: 'worker' | 'admin'): string {
  return readFileSync(path.join(clusterRunDir('secure'), 'secrets', `${user}.password`), 'utf8').trim();
}
