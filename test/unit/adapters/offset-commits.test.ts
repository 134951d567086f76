import { describe, expect, it } from 'vitest';
import { OffsetCommits, type PartitionOffset } from '../../../src/adapters/kafka/offset-commits.ts';
import { createLogger } from '../../../src/logging/logger.ts';

const logger = createLogger('silent');
const at = (partition: number, offset: number): PartitionOffset => ({ topic: 't', partition, offset: String(offset) });

function recorder() {
  const now: PartitionOffset[][] = [];
  const later: PartitionOffset[][] = [];
  return {
    now, later,
    sendNow: async (offsets: readonly PartitionOffset[]) => { now.push([...offsets]); },
    sendLater: async (offsets: readonly PartitionOffset[]) => { later.push([...offsets]); },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('OffsetCommits', () => {
  it('commits small rounds on the timer, off the batch, one commit for all that finished meanwhile', async () => {
    const r = recorder();
    const commits = new OffsetCommits({ maxMessages: 256, maxDelayMs: 80 }, r.sendLater, logger);
    await sleep(90); // a quiet spell: the next commit is due at once, but still the timer's
    for (let offset = 1; offset <= 5; offset++) await commits.finished(at(0, offset), 1, r.sendNow);
    await sleep(5);
    expect(r.later).toEqual([[at(0, 5)]]);
    await commits.finished(at(0, 6), 1, r.sendNow);
    await commits.finished(at(0, 7), 1, r.sendNow);
    await sleep(30);
    expect(r.later).toHaveLength(1); // within the delay of the last commit: waiting
    await sleep(90);
    expect(r.later).toEqual([[at(0, 5)], [at(0, 7)]]);
    expect(r.now).toEqual([]);
  });

  it('commits at once when COMMIT_EVERY messages wait, whatever the timer', async () => {
    const r = recorder();
    const commits = new OffsetCommits({ maxMessages: 10, maxDelayMs: 60_000 }, r.sendLater, logger);
    await commits.finished(at(0, 4), 4, r.sendNow);
    await commits.finished(at(1, 6), 6, r.sendNow);
    expect(r.now).toEqual([[at(0, 4), at(1, 6)]]);
    commits.forget();
  });

  it('with a delay of 0 commits every offset at once (the former behaviour)', async () => {
    const r = recorder();
    const commits = new OffsetCommits({ maxMessages: 256, maxDelayMs: 0 }, r.sendLater, logger);
    await commits.finished(at(0, 1), 1, r.sendNow);
    await commits.finished(at(0, 2), 1, r.sendNow);
    expect(r.now).toEqual([[at(0, 1)], [at(0, 2)]]);
  });

  it('commits what waits at stop, and from then on every offset at once', async () => {
    const r = recorder();
    const commits = new OffsetCommits({ maxMessages: 256, maxDelayMs: 60_000 }, r.sendLater, logger);
    await commits.finished(at(0, 1), 1, r.sendNow);
    await commits.finished(at(0, 2), 1, r.sendNow);
    await commits.flush({ stopping: true });
    await commits.finished(at(0, 3), 1, r.sendNow);
    expect(r.later).toEqual([[at(0, 2)]]);
    expect(r.now).toEqual([[at(0, 3)]]);
  });

  it('puts a failed commit back so the next one carries it, unless a newer offset of its partition waits', async () => {
    const later: PartitionOffset[][] = [];
    let fail = true;
    const commits = new OffsetCommits({ maxMessages: 256, maxDelayMs: 60_000 }, async (offsets) => {
      later.push([...offsets]);
      if (fail) throw new Error('coordinator moved');
    }, logger);
    const never = async () => { throw new Error('not due'); };
    await commits.finished(at(0, 7), 1, never).catch(() => undefined);
    await commits.finished(at(1, 3), 1, never).catch(() => undefined);
    await expect(commits.flush()).rejects.toThrow('coordinator moved');
    await commits.finished(at(1, 4), 1, never).catch(() => undefined); // newer than the failed 3
    fail = false;
    await commits.flush();
    expect(later.at(-1)).toEqual([at(0, 7), at(1, 4)]);
    commits.forget();
  });
});
