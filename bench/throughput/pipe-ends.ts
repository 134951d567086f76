// Which command records the raw pipe reads: those of the backlog scenarios, the baseline their rows
// are divided by (÷pipe). main.ts notes each command partition's end offset once the backlogs are
// produced; the open-loop and sustained rows that follow (over 100,000 records of another shape)
// are left out, so the row measures the same records in every run whatever the other rows send.

/** topic → partition → the offset after the last record to pipe. */
export type EndOffsets = Readonly<Record<string, Readonly<Record<number, number>>>>;

/** How many records the pipe reads: every partition from offset 0 (the run's topics are its own) to its end. */
export const recordsWithin = (ends: EndOffsets): number =>
  Object.values(ends).reduce((sum, partitions) => sum + Object.values(partitions).reduce((s, end) => s + end, 0), 0);

/** The messages of a fetched batch before the partition's end, and whether the batch reached the end. */
export function beforeEnd<T extends { readonly offset: string }>(messages: readonly T[], end: number): { readonly take: T[]; readonly reachedEnd: boolean } {
  const take = messages.filter((message) => Number(message.offset) < end);
  const last = messages[messages.length - 1];
  return { take, reachedEnd: last === undefined ? false : Number(last.offset) >= end - 1 };
}
