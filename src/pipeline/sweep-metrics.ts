// Expiry metrics: how many are due now, how many were expired, and the lag from expiry to the
// published event (p50, p99, max over a sliding window). Logged every 10 s until the worker
// has a metrics endpoint.

const WINDOW = 10_000; // lag samples kept

export class SweepMetrics {
  private expiredTotal = 0;
  private pendingNow = 0;
  private readonly lags: number[] = [];

  expired(lagMs: number): void {
    this.expiredTotal++;
    this.lags.push(lagMs);
    if (this.lags.length > WINDOW) this.lags.shift();
  }

  setPending(count: number): void {
    this.pendingNow = count;
  }

  snapshot(): { due: number; expired: number; lagP50Ms: number | null; lagP99Ms: number | null; lagMaxMs: number | null } {
    const sorted = [...this.lags].sort((a, b) => a - b);
    const at = (q: number): number | null => (sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number) : null);
    return { due: this.pendingNow, expired: this.expiredTotal, lagP50Ms: at(0.5), lagP99Ms: at(0.99), lagMaxMs: sorted.length ? (sorted[sorted.length - 1] as number) : null };
  }
}
