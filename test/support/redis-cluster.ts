// The Redis Cluster of the stack (scripts/stack/redis-cluster): three primaries beside the plain
// stack, brought up once per test process (`up` is idempotent and locked, well under a second
// when up). REDIS_CLUSTER_STACK=0 (scripts/test.sh) skips the tests that need it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export const CLUSTER_SKIPPED = process.env['REDIS_CLUSTER_STACK'] === '0';

/** REDIS_URL (one node) and REDIS_CLUSTER=true, as the stack wrote them. */
export function redisClusterEnv(): { REDIS_URL: string; REDIS_CLUSTER: string } {
  execFileSync('bash', [path.join(ROOT, 'scripts/stack/redis-cluster/stack.sh'), 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const home = process.env['CONSENT_STACK_HOME'] ?? path.join(process.env['XDG_CACHE_HOME'] ?? path.join(homedir(), '.cache'), 'consent-worker');
  const runDir = process.env['REDIS_CLUSTER_RUN_DIR'] ?? path.join(home, 'run-redis-cluster');
  const lines = readFileSync(path.join(runDir, 'endpoints.env'), 'utf8').split('\n').filter((l) => l.includes('='));
  const env = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { REDIS_URL: env['REDIS_URL'] as string, REDIS_CLUSTER: env['REDIS_CLUSTER'] as string };
}
