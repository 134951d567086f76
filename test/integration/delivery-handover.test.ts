// "No command is lost": a worker stopped in the middle of a stream of commands hands its
// partitions to another replica, and every command is answered and applied exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/worker-harness.ts';

let h: Harness;
// Small commit chunks and one key at a time, so a stop lands between commits, mid-stream.
beforeAll(async () => { h = await startHarness({ COMMIT_EVERY: '8', KEY_CONCURRENCY: '2' }); });
afterAll(async () => { await h?.stop(); });

describe('a worker stopping mid-stream', () => {
  it('loses no command and applies none twice when another replica takes over', async () => {
    const total = 120;
    const ids = Array.from({ length: total }, (_, i) => `handover-${i}`);
    const commandIds = await Promise.all(ids.map((consentId) =>
      h.consent('CreateConsent', { consentId, serviceId: 'svc-handover', userId: 'user-handover', status: 'ACTIVE' })));

    // Stop the first worker as soon as it has answered some, but (most likely) not all.
    await h.collector.waitFor((all) => (all.filter((r) => r.topic === h.topics.consentResults).length >= 10 ? true : undefined), 'the first results');
    const [first] = h.workers;
    await first?.stop();
    const answeredBeforeHandover = new Set(h.collector.received.filter((r) => r.topic === h.topics.consentResults).map((r) => r.key)).size;
    console.log(`answered by the first worker before it stopped: ${answeredBeforeHandover} of ${total}`);
    // Otherwise this test would prove nothing about a hand-over.
    expect(answeredBeforeHandover).toBeLessThan(total);
    await h.startReplica();

    for (const commandId of commandIds) await h.result(commandId, 60_000);
    for (const commandId of commandIds) {
      const copies = h.results(commandId);
      expect(copies[0]).toMatchObject({ statusCode: '201' });
      // A command redelivered after the hand-over is answered from its stored result.
      for (const copy of copies) expect(copy['requestId']).toBe(copies[0]?.['requestId']);
    }
    // Applied once each: one ConsentCreated per consent, at version 1. A later update on each
    // consent proves, through Kafka alone, that nothing else was written in between.
    const updates = await Promise.all(ids.map((consentId) => h.consent('UpdateConsent', {
      consentId, serviceId: 'svc-handover', userId: 'user-handover', consentVersion: 2, status: 'REVOKED',
    })));
    for (const commandId of updates) expect(await h.result(commandId, 60_000)).toMatchObject({ statusCode: '200' });
    for (const consentId of ids) {
      await h.waitForEvent(consentId, 'ConsentRevoked');
      // A repeat after a hand-over would carry the same eventId (consumers drop it); distinct
      // changes are exactly these two.
      expect([...new Set(h.events(consentId).map((e) => e['eventId']))])
        .toEqual([`${consentId}:1:ConsentCreated`, `${consentId}:2:ConsentRevoked`]);
    }
  });
});
