// Turns ACTIVE consents EXPIRED when their expiry passes, through the same pipeline as the
// commands (lease, version check, outbox), so a sweep racing an UpdateConsent ends in one order.
// A claim is applied as one batch: one load and one publish for all of it (its outbox clears are
// deferred and batched, see outbox-clears.ts).
//
// Where it looks: a Redis sorted set of due times, fed after every consent write, claimed
// atomically in batches (so replicas never take the same consent), and slept on until the next
// due time, which keeps the lag well under a second. MongoDB stays the source of truth: a
// periodic safety net re-schedules ACTIVE consents from the {dueAt} index, which covers a lost
// Redis, a failed schedule write, or consents written before this existed (see safetyNet).
import type { ExpireConsent } from '../domain/consent/commands.ts';
import type { Consent } from '../domain/consent/consent.ts';
import type { Logger } from '../logging/logger.ts';
import { applyCommands, type PipelineDeps } from './apply-command.ts';
import { sleep } from './concurrency.ts';
import type { AnyFamilyRuntime } from './family.ts';
import type { ExpirySchedule } from './ports.ts';
import { SweepMetrics } from './sweep-metrics.ts';

/** The sweeper's knobs, as the configuration sets them (SWEEP_* variables). */
export interface SweeperTuning {
  readonly batchSize: number;
  readonly concurrency: number;
  readonly claimLeaseMs: number;
  readonly maxIdleMs: number;
  readonly safetyNetIntervalMs: number;
  readonly safetyNetLookaheadMs: number;
}

export interface SweeperOptions extends SweeperTuning {
  readonly sweeperId: string;
}

export interface DueConsent {
  readonly id: string;
  readonly dueAt: Date;
}

export interface DueConsentQuery {
  /**
   * Consents due at or before `before` (and after `since`, when given), at most `limit`, in
   * (dueAt, id) order, following `after` when given.
   */
  dueBefore(before: Date, limit: number, after: DueConsent | null, since?: Date | null): Promise<DueConsent[]>;
}

/**
 * How the safety net feeds a backlog to the Redis schedule. Normally a pass reads one page of
 * batchSize × 5 ids falling due soon, re-scheduling any the schedule lost. After an outage the
 * whole backlog is due at once: one such page per interval would feed the sweep far slower than
 * it drains, and reading everything every pass would re-read what is already scheduled. So a
 * pass reads nothing while SAFETY_NET_LOW_WATER or more are due in Redis (back-pressure), and
 * when its first page is full and already past due (a backlog), it goes on in pages of
 * SAFETY_NET_PAGE_SIZE (about 2 MB of ids) until that many are due in Redis. Few, large reads
 * matter on FerretDB: a first page (one range on dueAt) comes from the index, but a keyset page
 * (an $or) is evaluated by FerretDB itself, a pass over the whole collection, whatever its size.
 */
const SAFETY_NET_LOW_WATER = 5_000;
const SAFETY_NET_PAGE_SIZE = 20_000;
/**
 * How long past its due time a consent must be before the safety net treats it as missed. The
 * sweep normally expires a consent well within this, so a pass does not re-read what the sweep
 * is about to take anyway.
 */
const SAFETY_NET_GRACE_MS = 5_000;

export interface Sweeper {
  readonly metrics: SweepMetrics;
  stop(): Promise<void>;
}

export function startSweeper(
  deps: PipelineDeps,
  runtime: AnyFamilyRuntime,
  schedule: ExpirySchedule,
  due: DueConsentQuery,
  options: SweeperOptions,
  logger: Logger,
): Sweeper {
  const log = logger.child({ component: 'expiry-sweeper', sweeperId: options.sweeperId });
  const metrics = new SweepMetrics();
  const stopping = new AbortController();
  /** Consents this sweeper has claimed and not finished: the safety net leaves them be. */
  const inFlight = new Set<string>();

  /** Expires one claimed batch through the pipeline, as one batch: one load, one publish. */
  async function expireBatch(ids: readonly string[]): Promise<void> {
    const commandId = `expiry-sweep:${options.sweeperId}`;
    const requests = ids.map((consentId) => {
      const command: ExpireConsent = { type: 'ExpireConsent', commandId, consentId };
      return { command, log: log.child({ commandId, consentId }), resultFor: null };
    });
    // remember: false, as expiry is idempotent by state: an EXPIRED consent is never expired again.
    const settled = await applyCommands(deps, runtime, requests, { remember: false, log: log.child({ commandId, batch: ids.length }) });
    const handled: string[] = [];
    settled.forEach((s, i) => {
      const consentId = ids[i] as string;
      if (!s.ok) {
        // Left claimed: the lease runs out and the consent is claimed again.
        log.warn({ err: s.error, consentId }, 'expiry failed; it will be retried when its claim lapses');
        return;
      }
      handled.push(consentId);
      if (s.outcome.kind === 'written') {
        const expired = s.outcome.change.aggregate as Consent;
        const at = new Date(expired.expiryTime ?? expired.expiry ?? deps.clock().toISOString());
        metrics.expired(deps.clock().getTime() - at.getTime());
      }
    });
    await schedule.complete(handled);
  }

  async function sweepOnce(): Promise<number> {
    const ids = await schedule.claimDue(deps.clock(), options.batchSize, options.claimLeaseMs);
    if (ids.length === 0) return 0;
    for (const id of ids) inFlight.add(id);
    try {
      await expireBatch(ids);
    } catch (error) {
      log.warn({ err: error, claimed: ids.length }, 'expiry batch failed; its consents will be retried when their claims lapse');
    } finally {
      for (const id of ids) inFlight.delete(id);
    }
    return ids.length;
  }

  /**
   * Re-schedules consents of (since, before] from MongoDB, earliest first, a page at a time (keyset
   * on dueAt, id). With `backPressure`, it reads nothing while SAFETY_NET_LOW_WATER or more are
   * due in Redis, and goes on past its first page only for a backlog (a full page, past due);
   * without, it reads the whole range.
   */
  async function reschedule(before: Date, since: Date | null, backPressure: boolean): Promise<number> {
    let pending = backPressure ? await schedule.pending(deps.clock()) : 0;
    let after: DueConsent | null = null;
    let limit = options.batchSize * 5;
    let scheduled = 0;
    while (pending < (after ? SAFETY_NET_PAGE_SIZE : SAFETY_NET_LOW_WATER) && !stopping.signal.aborted) {
      const found = await due.dueBefore(before, limit, after, since);
      const toSchedule = found.filter((consent) => !inFlight.has(consent.id));
      // Sent together (the client pipelines them on its one connection), not one round trip each.
      await Promise.all(toSchedule.map((consent) => schedule.schedule(consent.id, consent.dueAt)));
      scheduled += toSchedule.length;
      const last = found[found.length - 1];
      const more = found.length === limit && last !== undefined && (!backPressure || last.dueAt.getTime() <= deps.clock().getTime());
      if (!more) break;
      after = last;
      limit = SAFETY_NET_PAGE_SIZE;
      if (backPressure) pending = await schedule.pending(deps.clock());
    }
    return scheduled;
  }

  /**
   * The due times up to which consents falling due soon were read. Each consent is read about
   * once as it enters the lookahead, not on every pass: on a server that decodes every document
   * it reads (FerretDB), re-reading the next minute's 10,000 expiries each pass cost as much as
   * expiring them (bench:expiry p99 2.5 s instead of 0.5 s).
   */
  let upcomingReadThrough: Date | null = null;

  /**
   * One pass, two reads: what is overdue by more than SAFETY_NET_GRACE_MS (missed by the
   * schedule, or a backlog after an outage: fed with back-pressure), and what entered the
   * lookahead since the last pass (so that a consent whose schedule entry was lost is expired on
   * time). A consent whose entry Redis lost after it was read ahead is found by the first read,
   * late by at most the grace and one interval.
   */
  async function safetyNet(): Promise<void> {
    const now = deps.clock().getTime();
    let scheduled = await reschedule(new Date(now - SAFETY_NET_GRACE_MS), null, true);
    const horizon = new Date(now + options.safetyNetLookaheadMs);
    const since = upcomingReadThrough && upcomingReadThrough.getTime() > now - SAFETY_NET_GRACE_MS
      ? upcomingReadThrough
      : new Date(now - SAFETY_NET_GRACE_MS);
    scheduled += await reschedule(horizon, since, false);
    if (!stopping.signal.aborted) upcomingReadThrough = horizon;
    metrics.setPending(await schedule.pending(deps.clock()));
    if (scheduled > 0) log.debug({ scheduled }, 'safety net re-scheduled consents from MongoDB');
  }

  // The safety net runs beside the sweep, never in its way: its MongoDB query can take a while
  // over a large collection, and a due consent must not wait for it.
  async function safetyNetLoop(): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        await safetyNet();
      } catch (error) {
        log.warn({ err: error }, 'safety net pass failed; retrying at the next interval');
      }
      await sleep(options.safetyNetIntervalMs, stopping.signal);
    }
  }

  // `concurrency` lanes claim and expire batches side by side, so one batch's writes overlap the
  // next one's load and publish. Claims are atomic, so lanes (and replicas) never share a consent.
  async function lane(): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        const claimed = await sweepOnce();
        if (claimed === options.batchSize) {
          // Backlog: go on at once, but yield so the command consumer shares the process fairly.
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        const nextDue = await schedule.nextDueAt();
        const wait = nextDue ? nextDue.getTime() - deps.clock().getTime() : options.maxIdleMs;
        await sleep(Math.max(1, Math.min(wait, options.maxIdleMs)), stopping.signal);
      } catch (error) {
        log.warn({ err: error }, 'sweep failed; retrying shortly');
        await sleep(1_000, stopping.signal);
      }
    }
  }

  const report = setInterval(() => log.info(metrics.snapshot(), 'expiry metrics'), 10_000);
  report.unref();
  const running = Promise.all([...Array.from({ length: options.concurrency }, () => lane()), safetyNetLoop()]);

  return {
    metrics,
    async stop() {
      stopping.abort();
      clearInterval(report);
      await running;
    },
  };
}

