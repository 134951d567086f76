// A sweep round keeps at most SWEEP_WRITES_IN_FLIGHT conditional writes in flight, its own bound
// rather than the consumer's (KEY_CONCURRENCY): the store takes one write at a time anyway, and
// the sweep's lanes queue their writes beside the consumer's (docs/expiry.md, what bounds the drain).
import { describe, expect, it } from 'vitest';
import { startSweeper } from '../../src/families/consent-expiry/expiry-sweeper.ts';
import { createLogger } from '../../src/logging/logger.ts';
import type { AggregateStore, ParkingLot } from '../../src/pipeline/ports.ts';
import { createConsent } from '../support/in-memory/commands.ts';
import { consentWorld } from '../support/in-memory/consent-world.ts';
import { pollUntil } from '../support/poll-until.ts';

const CONSENTS = 24;

/** The world's store, counting the replaces in flight; each takes a few ms so that they overlap. */
function countingReplaces(store: AggregateStore): { store: AggregateStore; max: () => number } {
  let now = 0;
  let max = 0;
  return {
    max: () => max,
    store: {
      ...store,
      async replace(collection, record, expectedVersion) {
        max = Math.max(max, ++now);
        try {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return await store.replace(collection, record, expectedVersion);
        } finally {
          now--;
        }
      },
    },
  };
}

const noParking: ParkingLot = {
  failed: async () => 1, succeeded: async () => undefined, park: async () => undefined, list: async () => [], release: async () => false,
};

describe('the sweep\'s writes in flight', () => {
  it('keeps a round\'s conditional writes to SWEEP_WRITES_IN_FLIGHT, below the pipeline\'s own bound', async () => {
    const world = consentWorld();
    const expiryTime = new Date(world.clock().getTime() + 60_000).toISOString();
    await world.send(Array.from({ length: CONSENTS }, (_, i) => createConsent(`c-sweep-${i}`, undefined, { expiryTime })));
    world.advance(120_000);
    const counted = countingReplaces(world.store);
    expect(world.deps.writesInFlight).toBe(4); // what a consumed round of this world may have in flight

    const sweeper = startSweeper({
      pipeline: { ...world.deps, store: counted.store }, runtime: world.runtime, schedule: world.schedule,
      due: { dueBefore: async () => [] }, parking: noParking, logger: createLogger('silent'),
    }, {
      sweeperId: 'fast-test', batchSize: CONSENTS, concurrency: 1, writesInFlight: 2, claimLeaseMs: 30_000,
      maxIdleMs: 20, safetyNetIntervalMs: 60_000, safetyNetLookaheadMs: 0, parkAfter: 3,
    });
    try {
      await pollUntil(() => sweeper.expired === CONSENTS, { timeoutMs: 5_000, intervalMs: 10, what: `${CONSENTS} expiries` });
    } finally {
      await sweeper.stop();
    }

    expect(counted.max()).toBe(2);
    expect(world.eventsPublished().filter((e) => e.eventType === 'ConsentExpired')).toHaveLength(CONSENTS);
  });
});
