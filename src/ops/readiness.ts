// Readiness: the worker is ready while it is not starting or stopping, its consumer is a member of
// its group, and each server answers a ping within a short timeout. Checks are registered by the
// composition root once the worker has its clients; until then the worker is "starting".

export type Check = () => Promise<unknown>;

export interface ReadinessReport {
  readonly ready: boolean;
  readonly state: 'starting' | 'running' | 'stopping';
  /** Each check: 'ok' or why it failed. */
  readonly checks: Readonly<Record<string, string>>;
}

/** A probe must answer before an orchestrator's own timeout (1 s by default in Kubernetes). */
const CHECK_TIMEOUT_MS = 800;

function withTimeout(check: Check, ms: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    check().then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

export class Readiness {
  private state: ReadinessReport['state'] = 'starting';
  private checks = new Map<string, Check>();
  private refusal: string | null = null;

  /** The worker is up; `checks` are what must pass for it to be ready (pings, group membership). */
  running(checks: Readonly<Record<string, Check>>): void {
    if (this.state === 'stopping') return;
    this.checks = new Map(Object.entries(checks));
    this.refusal = null;
    this.state = 'running';
  }

  /** A start was refused by a server (credentials, certificate, ACL): not ready, and why. */
  refused(reason: string): void {
    this.refusal = reason;
  }

  /** From the first signal on: not ready, so traffic and rollouts move on to other replicas. */
  stopping(): void {
    this.state = 'stopping';
  }

  async report(): Promise<ReadinessReport> {
    const names = [...this.checks.keys()];
    const outcomes = await Promise.allSettled([...this.checks.values()].map((check) => withTimeout(check, CHECK_TIMEOUT_MS)));
    const checks = Object.fromEntries(names.map((name, i) => {
      const outcome = outcomes[i] as PromiseSettledResult<unknown>;
      return [name, outcome.status === 'fulfilled' ? 'ok' : String((outcome.reason as Error)?.message ?? outcome.reason)];
    }));
    if (this.state === 'starting' && this.refusal !== null) checks['start'] = this.refusal;
    const ready = this.state === 'running' && Object.values(checks).every((c) => c === 'ok');
    return { ready, state: this.state, checks };
  }
}
