// The first `limit` documents of a key range, in key order, without asking the server to sort the
// whole range. FerretDB 1.24 sorts in Go after decoding every document its filter matches, so
// `.sort({key: 1}).limit(21)` over a user with 1,000 consents decodes all 1,000 for a page of 21
// (23 ms of its CPU, against 1.1 ms for the same range unsorted with the limit, where it stops
// after 21: docs/benchmarks/read-api.md). An unsorted answer's order is nobody's promise, so it
// is used only as a bound: whichever `limit` documents the server picked, the first `limit` of the
// whole range all have keys up to the largest of them, and one sorted read of that narrower range
// gives them, in order, on any server. On MongoDB both reads come from the index.
import { Buffer } from 'node:buffer';

export interface KeyRangeReads<T> {
  /** Up to `limit` documents of the range, in any order. */
  anyOrder(limit: number): Promise<T[]>;
  /** The first `limit` documents of the range in key order, only those with keys up to `last` (inclusive) unless it is null. */
  sortedUpTo(last: string | null, limit: number): Promise<T[]>;
}

/** MongoDB orders strings (without a collation) by their UTF-8 bytes, so this does too. */
export const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

export async function firstInKeyOrder<T>(reads: KeyRangeReads<T>, keyOf: (doc: T) => string, limit: number): Promise<T[]> {
  if (limit <= 0) return [];
  const some = await reads.anyOrder(limit);
  // Fewer than asked: that is the whole range, whatever its order.
  if (some.length < limit) return some.sort((a, b) => byUtf8(keyOf(a), keyOf(b)));
  const last = some.map(keyOf).reduce((max, key) => (byUtf8(key, max) > 0 ? key : max));
  const first = await reads.sortedUpTo(last, limit);
  if (first.length === limit) return first;
  // A document left the range between the two reads (its key is fixed, so only by going away):
  // the bound no longer holds, and the whole range is read sorted, as a single read always was.
  return reads.sortedUpTo(null, limit);
}
