// What the read API reports about itself, as a small interface (the Prometheus series are
// prometheus-api-metrics.ts), so the server and its tests need no registry.
export interface ApiMetrics {
  /** One answered request: its route pattern (not its URL, whose ids would be unbounded labels). */
  requestAnswered(route: string, method: string, statusCode: number, seconds: number): void;
  /** A read refused for its budget (429): the org's or the caller's. */
  rateLimited(budget: string): void;
  /** A bearer token found among the recently verified ones (hit), or verified again (miss). */
  tokenLookup(hit: boolean): void;
}

export const NO_API_METRICS: ApiMetrics = {
  requestAnswered: () => undefined,
  rateLimited: () => undefined,
  tokenLookup: () => undefined,
};
