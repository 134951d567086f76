// The worker's in-memory service policies: decisions wait for the first read, a refresh picks up
// what another replica wrote, this worker's own writes are seen at once and never undone by an
// older read, and a failed refresh keeps the last policies.
import { describe, expect, it } from 'vitest';
import type { ServicePolicy } from '../../../src/domain/policy/service-policy.ts';
import { policySnapshot } from '../../../src/families/service-policies.ts';
import { pollUntil } from '../../support/poll-until.ts';

const policy = (serviceId: string, version: number): ServicePolicy => ({
  serviceId, version, defaultLifetimeMs: version * 1_000, reminderLeadMs: null, createdAt: '2030-01-01T00:00:00Z', updatedAt: '2030-01-01T00:00:00Z',
});

describe('the service policy snapshot', () => {
  it('answers only after the first read, then with what a refresh read', async () => {
    let stored = [policy('svc-a', 1)];
    let release: () => void = () => undefined;
    const firstRead = new Promise<void>((resolve) => { release = resolve; });
    let reads = 0;
    const snapshot = policySnapshot(async () => { if (reads++ === 0) await firstRead; return stored; }, () => undefined, 5);
    let answered: ServicePolicy | null | undefined;
    const asked = snapshot.of('svc-a').then((p) => { answered = p; });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toBeUndefined(); // still waiting for the first read
    release();
    await asked;
    expect(answered?.version).toBe(1);
    stored = [policy('svc-a', 2), policy('svc-b', 1)]; // written through another replica
    await pollUntil(async () => (await snapshot.of('svc-b')) !== null, { timeoutMs: 2_000, intervalMs: 5 });
    expect((await snapshot.of('svc-a'))?.version).toBe(2);
    snapshot.stop();
  });

  it('sees its own write at once, and an older read does not undo it', async () => {
    const snapshot = policySnapshot(async () => [policy('svc-a', 1)], () => undefined, 5);
    expect((await snapshot.of('svc-a'))?.version).toBe(1);
    snapshot.remember(policy('svc-a', 2));
    expect((await snapshot.of('svc-a'))?.version).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 30)); // several refreshes that read version 1
    expect((await snapshot.of('svc-a'))?.version).toBe(2);
    snapshot.stop();
  });

  it('keeps the last policies when a refresh fails, and says so', async () => {
    let fail = false;
    const errors: unknown[] = [];
    const snapshot = policySnapshot(async () => { if (fail) throw new Error('mongodb down'); return [policy('svc-a', 1)]; }, (e) => errors.push(e), 5);
    expect((await snapshot.of('svc-a'))?.version).toBe(1);
    fail = true;
    await pollUntil(() => errors.length >= 2, { timeoutMs: 2_000, intervalMs: 5 });
    expect((await snapshot.of('svc-a'))?.version).toBe(1);
    snapshot.stop();
  });
});
