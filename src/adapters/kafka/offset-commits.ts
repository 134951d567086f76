// The offsets of finished commands, committed on a short timer rather than once per chunk. At a
// low rate each command is a chunk of its own, and an OffsetCommit per command cost the broker
// (and the worker) as much as the command's own produce (issue 19). Only offsets the pipeline
// has finished ever reach here, so a commit never passes an unfinished message: a crash or a
// lost partition redoes, idempotently, what was finished but not yet committed.
import type { Logger } from '../../logging/logger.ts';

export interface OffsetCommitPolicy {
  /** Committed at once when this many finished messages wait uncommitted (COMMIT_EVERY). */
  readonly maxMessages: number;
  /** Otherwise committed at most this long after the last commit (COMMIT_INTERVAL_MS); 0: at once. */
  readonly maxDelayMs: number;
}

export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read, the one Kafka stores as committed. */
  readonly offset: string;
}

/** Sends one OffsetCommit; which client call does it depends on where the commit is made. */
export type SendCommit = (offsets: readonly PartitionOffset[]) => Promise<void>;

export class OffsetCommits {
  private readonly pending = new Map<string, PartitionOffset>();
  private pendingMessages = 0;
  private lastCommitAt = Date.now();
  private timer: NodeJS.Timeout | null = null;
  /** Commits go out one after another, so an older offset never lands after a newer one. */
  private chain: Promise<void> = Promise.resolve();
  private stopping = false;

  private readonly policy: OffsetCommitPolicy;
  /** The timer's and flush()'s way to commit: the consumer's own commitOffsets. */
  private readonly sendLater: SendCommit;
  private readonly logger: Logger;

  constructor(policy: OffsetCommitPolicy, sendLater: SendCommit, logger: Logger) {
    this.policy = policy;
    this.sendLater = sendLater;
    this.logger = logger;
  }

  /**
   * `messages` more are finished, through `next` (exclusive) of their partition. Committed now,
   * through `sendNow` (the running batch's commit), when COMMIT_EVERY wait or the consumer stops;
   * otherwise by the timer, `maxDelayMs` after the last commit (at once after a quiet spell).
   */
  async finished(next: PartitionOffset, messages: number, sendNow: SendCommit): Promise<void> {
    this.pending.set(`${next.topic}\u0000${next.partition}`, next);
    this.pendingMessages += messages;
    // Otherwise the commit is the timer's, off the batch's path: the next fetch need not wait for it.
    const due = this.stopping || this.policy.maxDelayMs === 0 || this.pendingMessages >= this.policy.maxMessages;
    if (due) return this.commit(sendNow);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.commit(this.sendLater).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'a deferred offset commit failed; its commands are redelivered if this consumer stops before the next one');
      });
    }, Math.max(0, this.lastCommitAt + this.policy.maxDelayMs - Date.now()));
  }

  /** Commits what waits now (a rebalance, a stop); from then on, when stopping, every offset at once. */
  flush(options: { stopping?: boolean } = {}): Promise<void> {
    if (options.stopping) this.stopping = true;
    return this.commit(this.sendLater);
  }

  /** What waits is forgotten (the partitions may be another member's now); the timer too. */
  forget(): void {
    this.pending.clear();
    this.pendingMessages = 0;
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private commit(send: SendCommit): Promise<void> {
    this.clearTimer();
    const offsets = [...this.pending.values()];
    this.pending.clear();
    this.pendingMessages = 0;
    this.lastCommitAt = Date.now();
    if (offsets.length === 0) return this.chain;
    const sent = this.chain.then(() => send(offsets));
    // A failed commit is put back (unless a newer offset of its partition waits), so the next
    // commit carries it; the caller still hears the failure.
    this.chain = sent.catch(() => {
      for (const o of offsets) {
        const key = `${o.topic}\u0000${o.partition}`;
        if (!this.pending.has(key)) this.pending.set(key, o);
      }
    });
    return sent;
  }
}
