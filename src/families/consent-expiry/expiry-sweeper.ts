// Turns ACTIVE consents EXPIRED when their expiry passes, through the same pipeline as the
// commands (lease, version check, outbox), so a sweep racing an UpdateConsent ends in one order.
// The same sweep publishes a consent's renewal reminder (ConsentExpiringSoon) when it falls due
// before the expiry: a consent's schedule entry is its next due moment, reminder or expiry
// (domain/consent/consent.ts dueAt), and the decision picks which (domain/consent/decide.ts).
// A claim is applied as one round of the pipeline: one lease round trip, one load and one publish
// for all of it (its outbox clears are deferred and batched, see pipeline/outbox-clears.ts).
//
// Where it looks: a Redis sorted set of due times, fed after every consent write, claimed
// atomically in batches (so replicas never take the same consent), and slept on until the next
// due time, which keeps the lag well under a second. MongoDB stays the source of truth: a
// periodic safety net re-schedules ACTIVE consents from the {dueAt} index, which covers a lost
// Redis, a failed schedule write, or consents written before this existed (see safetyNet).
//
// A consent whose expiry fails for a reason a retry cannot fix (a stored document that cannot be
// revived) is retried when its claim lapses, up to `parkAfter` times in a row; then it leaves the
// schedule and is parked (ParkingLot), for an operator to look at.
import { CONSENTS } from '../../catalogue/collections.ts';
import type { ConsentCommand } from '../../domain/consent/commands.ts';
import type { Consent } from '../../domain/consent/consent.ts';
import type { ConsentContext } from '../../domain/consent/decide.ts';
import type { Logger } from '../../logging/logger.ts';
import { applyRound, type PipelineDeps } from '../../pipeline/apply-round.ts';
import { backoffStep, SWEEP_RETRY } from '../../pipeline/backoff.ts';
import { endCommand, spanFailed, startSweepTrace, type CommandTrace } from '../../pipeline/command-tracing.ts';
import { sleep } from '../../pipeline/concurrency.ts';
import { isRetryable } from '../../pipeline/errors.ts';
import type { FamilyRuntime } from '../../pipeline/family.ts';
import type { DueConsent, DueConsentQuery, ExpirySchedule, ParkingLot } from '../../pipeline/ports.ts';
import type { ConsentFamilyAggregate, ConsentFamilyCommand, DecisionCount } from '../consent-family.ts';

export type ConsentRuntime = FamilyRuntime<ConsentFamilyCommand, ConsentFamilyAggregate, ConsentContext, DecisionCount>;

/** What parks a consent whose expiry keeps failing. */
export const PARK_KIND = 'consent-expiry';

/** The sweeper's knobs, as the configuration sets them (SWEEP_* variables). */
export interface SweeperTuning {
  readonly batchSize: number;
  readonly concurrency: number;
  /** Conditional writes of one round in flight at once (SWEEP_WRITES_IN_FLIGHT): see SweepConfig. */
  readonly writesInFlight: number;
  readonly claimLeaseMs: number;
  readonly maxIdleMs: number;
  readonly safetyNetIntervalMs: number;
  readonly safetyNetLookaheadMs: number;
  /** Non-retryable failures in a row after which a consent is parked (SWEEP_PARK_AFTER). */
  readonly parkAfter: number;
}

export interface SweeperOptions extends SweeperTuning {
  readonly sweeperId: string;
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
  /** Consents this sweeper has expired since it started. */
  readonly expired: number;
  /** Renewal reminders (ConsentExpiringSoon) this sweeper has published since it started. */
  readonly reminded: number;
  stop(): Promise<void>;
}

export interface SweeperDeps {
  readonly pipeline: PipelineDeps;
  readonly runtime: ConsentRuntime;
  readonly schedule: ExpirySchedule;
  readonly due: DueConsentQuery;
  readonly parking: ParkingLot;
  readonly logger: Logger;
}

/** How many parked consents the safety net keeps out of the schedule (re-read every pass). */
const PARKED_READ_LIMIT = 10_000;

/**
 * What the sweeper's parts share, passed to each explicitly: the claim lanes, the parker and the
 * safety net run side by side and read each other's sets (the safety net skips what a lane holds
 * or what was parked), so these live in one place instead of in captured variables.
 */
interface SweeperState {
  readonly deps: SweeperDeps;
  readonly options: SweeperOptions;
  readonly log: Logger;
  readonly stopping: AbortSignal;
  /** Consents this sweeper has claimed and not finished: the safety net leaves them be. */
  readonly inFlight: Set<string>;
  /** Consents parked: the safety net does not put them back in the schedule (re-read every pass). */
  parked: Set<string>;
  /** Consents whose expiry failed here lately: a success resets their count in the lot. */
  readonly failedLately: Set<string>;
  expiredCount: number;
  remindedCount: number;
  /**
   * The due times up to which consents falling due soon were read. Each consent is read about
   * once as it enters the lookahead, not on every pass: on a server that decodes every document
   * it reads (FerretDB), re-reading the next minute's 10,000 expiries each pass cost as much as
   * expiring them (bench:expiry p99 2.5 s instead of 0.5 s).
   */
  upcomingReadThrough: Date | null;
}

export function startSweeper(sweeperDeps: SweeperDeps, options: SweeperOptions): Sweeper {
  const stopping = new AbortController();
  const state: SweeperState = {
    deps: sweeperDeps,
    options,
    log: sweeperDeps.logger.child({ component: 'expiry-sweeper', sweeperId: options.sweeperId }),
    stopping: stopping.signal,
    inFlight: new Set(),
    parked: new Set(),
    failedLately: new Set(),
    expiredCount: 0,
    remindedCount: 0,
    upcomingReadThrough: null,
  };
  const running = Promise.all([...Array.from({ length: options.concurrency }, () => claimLane(state)), safetyNetLoop(state)]);
  return {
    get expired() {
      return state.expiredCount;
    },
    get reminded() {
      return state.remindedCount;
    },
    async stop() {
      stopping.abort();
      await running;
    },
  };
}

// --- The parker -------------------------------------------------------------------------------

/** Counts a failure a retry cannot fix; parks the consent after `parkAfter` in a row. */
async function failedFor(state: SweeperState, consentId: string, error: unknown): Promise<boolean> {
  const { parking, schedule, pipeline } = state.deps;
  const target = { collection: CONSENTS, id: consentId };
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const failures = await parking.failed(PARK_KIND, target, reason);
  state.failedLately.add(consentId);
  if (failures < state.options.parkAfter) {
    state.log.warn({ err: error, consentId, failures }, 'expiry failed; it will be retried when its claim lapses');
    return false;
  }
  await parking.park({ ...target, kind: PARK_KIND, reason, failures }, pipeline.clock());
  await schedule.reschedule([{ consentId, dueAt: null }]);
  state.parked.add(consentId);
  state.failedLately.delete(consentId);
  pipeline.observer.parked(PARK_KIND, error instanceof Error ? error.name : 'unknown');
  state.log.error({ err: error, consentId, failures }, 'expiry failed again and again; consent parked and taken out of the schedule');
  return true;
}

// --- The claim lane ---------------------------------------------------------------------------

// `concurrency` lanes claim and expire batches side by side, so one batch's writes overlap the
// next one's load and publish. Claims are atomic, so lanes (and replicas) never share a consent.
async function claimLane(state: SweeperState): Promise<void> {
  const { options, stopping } = state;
  const { schedule, pipeline } = state.deps;
  while (!stopping.aborted) {
    try {
      const claimed = await sweepOnce(state);
      if (claimed === options.batchSize) {
        // Backlog: go on at once, but yield so the command consumer shares the process fairly.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const nextDue = await schedule.nextDueAt();
      const wait = nextDue ? nextDue.getTime() - pipeline.clock().getTime() : options.maxIdleMs;
      await sleep(Math.max(1, Math.min(wait, options.maxIdleMs)), stopping);
    } catch (error) {
      state.log.warn({ err: error }, 'sweep failed; retrying shortly');
      await sleep(backoffStep(1, SWEEP_RETRY), stopping);
    }
  }
}

async function sweepOnce(state: SweeperState): Promise<number> {
  const { options, inFlight } = state;
  const ids = await state.deps.schedule.claimDue(state.deps.pipeline.clock(), options.batchSize, options.claimLeaseMs);
  if (ids.length === 0) return 0;
  for (const id of ids) inFlight.add(id);
  try {
    await expireBatch(state, ids);
  } catch (error) {
    state.log.warn({ err: error, claimed: ids.length }, 'expiry batch failed; its consents will be retried when their claims lapse');
  } finally {
    for (const id of ids) inFlight.delete(id);
  }
  return ids.length;
}

/** Expires one claimed batch through the pipeline, as one round: one load, one publish; a trace of its own. */
async function expireBatch(state: SweeperState, ids: readonly string[]): Promise<void> {
  const trace = startSweepTrace(state.options.sweeperId, ids.length);
  try {
    await expireTracedBatch(state, ids, trace);
  } catch (error) {
    spanFailed(trace.span, error);
    throw error;
  } finally {
    endCommand(trace);
  }
}

async function expireTracedBatch(state: SweeperState, ids: readonly string[], trace: CommandTrace): Promise<void> {
  const { pipeline: deps, runtime, parking, schedule } = state.deps;
  const { observer } = deps;
  const commandId = `expiry-sweep:${state.options.sweeperId}`;
  // Not remembered on the consent: expiry is idempotent by state (an EXPIRED consent is never expired again).
  const round: PipelineDeps = { ...deps, writesInFlight: state.options.writesInFlight };
  const outcomes = await applyRound(round, runtime, ids.map((consentId) => ({
    command: { type: 'ExpireConsent', commandId, consentId } satisfies ConsentCommand,
    target: { collection: CONSENTS, id: consentId },
    prepared: null,
    origin: { kind: 'sweep', trace } as const,
  })));
  const handled: string[] = [];
  const now = deps.clock().getTime();
  await Promise.all(outcomes.map(async (outcome, i) => {
    const consentId = ids[i] as string;
    if (outcome.kind === 'failed') {
      // Left claimed: the lease runs out and the consent is claimed again (or, failing for
      // good, it is parked and leaves the schedule).
      if (isRetryable(outcome.error)) state.log.warn({ err: outcome.error, consentId }, 'expiry failed; it will be retried when its claim lapses');
      else if (await failedFor(state, consentId, outcome.error)) handled.push(consentId);
      return;
    }
    handled.push(consentId);
    if (state.failedLately.delete(consentId)) await parking.succeeded(PARK_KIND, { collection: CONSENTS, id: consentId });
    if (outcome.kind === 'written') {
      // A claim due for its reminder wrote the reminder, not an expiry (domain/consent/decide.ts).
      const expired = outcome.change.aggregate as Consent;
      if (expired.status !== 'EXPIRED') {
        state.remindedCount++;
        return;
      }
      state.expiredCount++;
      const at = Date.parse(expired.expiryTime ?? expired.expiry ?? new Date(now).toISOString());
      observer.expired(Math.max(0, now - at) / 1_000);
    }
  }));
  await schedule.complete(handled);
}

// --- The safety net ---------------------------------------------------------------------------

// The safety net runs beside the sweep, never in its way: its MongoDB query can take a while
// over a large collection, and a due consent must not wait for it.
async function safetyNetLoop(state: SweeperState): Promise<void> {
  while (!state.stopping.aborted) {
    try {
      await safetyNet(state);
    } catch (error) {
      state.log.warn({ err: error }, 'safety net pass failed; retrying at the next interval');
    }
    await sleep(state.options.safetyNetIntervalMs, state.stopping);
  }
}

/**
 * One pass, two reads: what is overdue by more than SAFETY_NET_GRACE_MS (missed by the
 * schedule, or a backlog after an outage: fed with back-pressure), and what entered the
 * lookahead since the last pass (so that a consent whose schedule entry was lost is expired on
 * time). A consent whose entry Redis lost after it was read ahead is found by the first read,
 * late by at most the grace and one interval.
 */
async function safetyNet(state: SweeperState): Promise<void> {
  const { parking, schedule, pipeline } = state.deps;
  state.parked = new Set((await parking.list(PARKED_READ_LIMIT)).filter((p) => p.kind === PARK_KIND).map((p) => p.id));
  const now = pipeline.clock().getTime();
  let scheduled = await reschedule(state, new Date(now - SAFETY_NET_GRACE_MS), null, true);
  const horizon = new Date(now + state.options.safetyNetLookaheadMs);
  const readThrough = state.upcomingReadThrough;
  const since = readThrough && readThrough.getTime() > now - SAFETY_NET_GRACE_MS
    ? readThrough
    : new Date(now - SAFETY_NET_GRACE_MS);
  scheduled += await reschedule(state, horizon, since, false);
  if (!state.stopping.aborted) state.upcomingReadThrough = horizon;
  pipeline.observer.expiryDue(await schedule.pending(pipeline.clock()));
  if (scheduled > 0) state.log.debug({ scheduled }, 'safety net re-scheduled consents from MongoDB');
}

/**
 * Re-schedules consents of (since, before] from MongoDB, earliest first, a page at a time (keyset
 * on dueAt, id). With `backPressure`, it reads nothing while SAFETY_NET_LOW_WATER or more are
 * due in Redis, and goes on past its first page only for a backlog (a full page, past due);
 * without, it reads the whole range.
 */
async function reschedule(state: SweeperState, before: Date, since: Date | null, backPressure: boolean): Promise<number> {
  const { schedule, due, pipeline } = state.deps;
  let pending = backPressure ? await schedule.pending(pipeline.clock()) : 0;
  let after: DueConsent | null = null;
  let limit = state.options.batchSize * 5;
  let scheduled = 0;
  while (pending < (after ? SAFETY_NET_PAGE_SIZE : SAFETY_NET_LOW_WATER) && !state.stopping.aborted) {
    const found = await due.dueBefore(before, limit, after, since);
    const toSchedule = found.filter((consent) => !state.inFlight.has(consent.id) && !state.parked.has(consent.id));
    await schedule.reschedule(toSchedule.map((consent) => ({ consentId: consent.id, dueAt: consent.dueAt })));
    scheduled += toSchedule.length;
    const last = found[found.length - 1];
    const more = found.length === limit && last !== undefined && (!backPressure || last.dueAt.getTime() <= pipeline.clock().getTime());
    if (!more) break;
    after = last;
    limit = SAFETY_NET_PAGE_SIZE;
    if (backPressure) pending = await schedule.pending(pipeline.clock());
  }
  return scheduled;
}
