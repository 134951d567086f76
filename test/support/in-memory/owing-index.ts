// The pipeline's OwingIndex as the Redis adapter keeps it: marks from one increasing sequence, an
// unmark that spares a key marked again since, oldest mark first, and an "intact" flag per
// collection that a test can drop (Redis restarted empty).
import type { OwingIndex } from '../../../src/pipeline/ports.ts';

export interface InMemoryOwingIndex extends OwingIndex {
  /** Forgets every mark and intact flag, as a Redis restarted without its data would. */
  lose(): void;
}

export function inMemoryOwingIndex(): InMemoryOwingIndex {
  const marks = new Map<string, number>();
  const intact = new Set<string>();
  let sequence = 0;
  return {
    lose() {
      marks.clear();
      intact.clear();
    },
    async mark(keys) {
      sequence += 1;
      for (const key of keys) marks.set(key, sequence);
      return sequence;
    },
    async unmark(keys, mark) {
      for (const key of keys) if ((marks.get(key) ?? Infinity) <= mark) marks.delete(key);
    },
    async page(after, upTo, limit) {
      const inRange = [...marks].map(([key, mark]) => ({ key, mark })).filter(({ mark }) => mark > after && mark <= upTo)
        .sort((a, b) => a.mark - b.mark || a.key.localeCompare(b.key));
      const last = inRange[limit - 1];
      // As the adapter: `limit` keys, plus the rest of the last one's mark.
      return last ? inRange.filter(({ mark }, i) => i < limit || mark === last.mark) : inRange;
    },
    async newestMark() {
      return sequence;
    },
    async intact(collection) {
      return intact.has(collection);
    },
    async markIntact(collection) {
      intact.add(collection);
    },
  };
}
