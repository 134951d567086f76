// The service policies as the consent family's decisions read them. A create reads its service's
// policy, and a round trip to MongoDB for it on every round would be paid by every deployment
// (the round-trips test holds a create alone in its round to today's count), though policies are
// few and rarely change. So each worker holds all of them in memory: loaded before the first
// decision, re-read in the background every POLICY_REFRESH_MS, and updated at once by the
// policies this worker writes itself. A policy set through another replica applies to the creates
// decided here at most about one refresh later (docs/policy-and-reminders.md).
import type { ServicePolicy } from '../domain/policy/service-policy.ts';

export const POLICY_REFRESH_MS = 1_000;

export interface ServicePolicyLookup {
  of(serviceId: string): Promise<ServicePolicy | null>;
  /** A policy this worker just wrote: seen by the next decision, not a refresh later. */
  remember(policy: ServicePolicy): void;
}

export interface PolicySnapshot extends ServicePolicyLookup {
  stop(): void;
}

/**
 * `readAll` reads every stored policy (one query on a small collection). A failed refresh keeps the
 * last snapshot and is retried at the next interval; decisions wait only for the first load.
 */
export function policySnapshot(readAll: () => Promise<ServicePolicy[]>, onError: (error: unknown) => void, refreshMs = POLICY_REFRESH_MS): PolicySnapshot {
  let policies = new Map<string, ServicePolicy>();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  // A refresh that read before this worker's own write must not undo it: the newer version wins.
  const newer = (a: ServicePolicy | undefined, b: ServicePolicy): boolean => a === undefined || b.version > a.version;

  async function refresh(): Promise<void> {
    const read = await readAll();
    const next = new Map(read.map((p) => [p.serviceId, p]));
    for (const [id, mine] of policies) if (newer(next.get(id), mine)) next.set(id, mine);
    policies = next;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      refresh().catch(onError).finally(schedule);
    }, refreshMs);
    timer.unref();
  }

  // Retried until it succeeds: a decision must never go ahead without the policies.
  const first = (async () => {
    for (;;) {
      try {
        await refresh();
        return;
      } catch (error) {
        onError(error);
        if (stopped) return;
        await new Promise((resolve) => setTimeout(resolve, refreshMs).unref());
      }
    }
  })().finally(schedule);

  return {
    async of(serviceId) {
      await first;
      return policies.get(serviceId) ?? null;
    },
    remember(policy) {
      if (newer(policies.get(policy.serviceId), policy)) policies = new Map(policies).set(policy.serviceId, policy);
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
