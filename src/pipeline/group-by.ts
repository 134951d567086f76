// The pipeline groups batches in several places (a partition's messages by key, a batch's loads
// and outbox clears by collection); one helper keeps them alike.

/** The items' values grouped by key, each group in the items' order. */
export function groupBy<T, K, V>(items: Iterable<T>, keyOf: (item: T) => K, valueOf: (item: T) => V): Map<K, V[]> {
  const groups = new Map<K, V[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(valueOf(item));
    else groups.set(key, [valueOf(item)]);
  }
  return groups;
}
