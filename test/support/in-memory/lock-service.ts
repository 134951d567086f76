// The pipeline's LockService with Redis's lease semantics (SET NX PX, compare-the-token on extend
// and release), over an injected clock so a test can let a lease expire without waiting for it.
import { randomUUID } from 'node:crypto';
import type { LockService } from '../../../src/pipeline/ports.ts';

export function inMemoryLockService(nowMs: () => number = Date.now): LockService {
  const held = new Map<string, { token: string; expiresAt: number }>();
  const holder = (key: string): { token: string; expiresAt: number } | null => {
    const lease = held.get(key);
    if (lease && lease.expiresAt <= nowMs()) {
      held.delete(key);
      return null;
    }
    return lease ?? null;
  };
  return {
    async tryAcquireMany(keys, ttlMs) {
      return keys.map((key) => {
        if (holder(key)) return null;
        const token = randomUUID();
        held.set(key, { token, expiresAt: nowMs() + ttlMs });
        return { key, token };
      });
    },
    async extendMany(leases, ttlMs) {
      return leases.map(({ key, token }) => {
        if (holder(key)?.token !== token) return false;
        held.set(key, { token, expiresAt: nowMs() + ttlMs });
        return true;
      });
    },
    async releaseMany(leases) {
      for (const { key, token } of leases) if (holder(key)?.token === token) held.delete(key);
    },
  };
}
