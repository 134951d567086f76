// The consent family's ExpirySchedule and RateCounter as the Redis adapter keeps them: a due set
// and a claimed set whose claims are leases (handed out again after their deadline), and counts
// per fixed window.
import type { ExpirySchedule, RateCounter } from '../../../src/pipeline/ports.ts';

export function inMemoryExpirySchedule(): ExpirySchedule & { dueAtOf(consentId: string): Date | null } {
  const due = new Map<string, number>();
  const claimed = new Map<string, number>();
  const byTime = (entries: Map<string, number>, upTo: number, limit: number): string[] =>
    [...entries].filter(([, at]) => at <= upTo).sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).slice(0, limit).map(([id]) => id);
  return {
    dueAtOf: (consentId) => (due.has(consentId) ? new Date(due.get(consentId) as number) : null),
    async reschedule(changes) {
      for (const { consentId, dueAt } of changes) {
        if (dueAt) due.set(consentId, dueAt.getTime());
        else due.delete(consentId);
      }
    },
    async claimDue(now, limit, leaseMs) {
      for (const id of byTime(claimed, now.getTime(), limit)) {
        claimed.delete(id);
        if (!due.has(id)) due.set(id, now.getTime());
      }
      const ids = byTime(due, now.getTime(), limit);
      for (const id of ids) {
        due.delete(id);
        claimed.set(id, now.getTime() + leaseMs);
      }
      return ids;
    },
    async complete(consentIds) {
      for (const id of consentIds) claimed.delete(id);
    },
    async nextDueAt() {
      const first = byTime(due, Infinity, 1)[0];
      return first === undefined ? null : new Date(due.get(first) as number);
    },
    async pending(now) {
      return byTime(due, now.getTime(), Infinity).length;
    },
  };
}

export function inMemoryRateCounter(): RateCounter {
  const counts = new Map<string, number>();
  return {
    async hit(key, windowMs, now) {
      const windowKey = `${key}:${Math.floor(now.getTime() / windowMs)}`;
      const count = (counts.get(windowKey) ?? 0) + 1;
      counts.set(windowKey, count);
      return count;
    },
  };
}
