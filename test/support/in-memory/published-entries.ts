// The pipeline's PublishedEntries ledger: entry ids remembered until their TTL passes (injected clock).
import type { PublishedEntries } from '../../../src/pipeline/ports.ts';

export function inMemoryPublishedEntries(nowMs: () => number = Date.now): PublishedEntries {
  const remembered = new Map<string, number>();
  return {
    async remember(entryIds, ttlMs) {
      for (const id of entryIds) remembered.set(id, nowMs() + ttlMs);
    },
    async among(entryIds) {
      return new Set(entryIds.filter((id) => (remembered.get(id) ?? -Infinity) > nowMs()));
    },
  };
}
