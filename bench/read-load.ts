// The read API benchmark's load generator, a process of its own (forked by bench/read-api.ts) so
// that its CPU is measured apart from the benchmark's command producer and its event loop is
// not stalled by it: the latency it reports is the API's, not the producer's.
//
// Open loop: requests are sent on schedule whether or not earlier ones have answered, and a
// latency runs from the scheduled send to the last byte of the answer, so a stall counts against
// every request it delays. Messages: it sends {op:'ready'}; it is sent {op:'run', ...LoadRun} and
// answers {op:'done', figures}, once per route; {op:'stop'} ends it.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** One route's phase: the requests (URL and bearer token each) sent at `rate` a second. */
export interface LoadRun {
  readonly route: string;
  readonly requests: readonly { readonly url: string; readonly token: string }[];
  readonly rate: number;
}

export interface LoadFigures {
  readonly route: string; readonly requests: number; readonly errors: number; readonly achievedRate: number;
  readonly p50: number | null; readonly p99: number | null; readonly max: number | null;
  /** Failed requests by HTTP status or network error. */
  readonly failures: Record<string, number>;
}

export type ToLoad = ({ op: 'run' } & LoadRun) | { op: 'stop' };
export type FromLoad = { op: 'ready' } | { op: 'done'; figures: LoadFigures };

/**
 * Keep-alive connections, at most 64: what a service calling the API would hold. (fetch opened a
 * connection per backlogged request and cost the load generator 1.3 ms of CPU per request.)
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile of an ascending list. */
function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

const round = (ms: number | null): number | null => (ms === null ? null : Math.round(ms * 10) / 10);

/** GET `url`; resolves with the status once the whole body has arrived. */
function get(url: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (response) => {
      response.on('data', () => undefined);
      response.once('end', () => resolve(response.statusCode ?? 0));
      response.once('error', reject);
    });
    request.once('error', reject);
  });
}

async function openLoop(run: LoadRun): Promise<LoadFigures> {
  const interval = 1_000 / run.rate;
  const latencies: number[] = [];
  let errors = 0;
  const failures: Record<string, number> = {};
  const fail = (reason: string): void => {
    errors += 1;
    failures[reason] = (failures[reason] ?? 0) + 1;
  };
  const inFlight: Promise<void>[] = [];
  const begin = performance.now();
  for (const [i, { url, token }] of run.requests.entries()) {
    const due = begin + i * interval;
    const wait = due - performance.now();
    if (wait >= 1) await sleep(wait);
    inFlight.push((async () => {
      try {
        const status = await get(url, token);
        if (status !== 200) fail(String(status));
      } catch (error) {
        fail((error as Error).message);
      }
      latencies.push(performance.now() - due);
    })());
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - begin) / 1_000;
  latencies.sort((a, b) => a - b);
  return {
    route: run.route, requests: run.requests.length, errors, achievedRate: Math.round(run.requests.length / seconds),
    p50: round(percentile(latencies, 0.5)), p99: round(percentile(latencies, 0.99)), max: round(latencies.at(-1) ?? null), failures,
  };
}

if (process.send) {
  const send = process.send.bind(process);
  process.on('message', (message: ToLoad) => {
    if (message.op === 'stop') {
      agent.destroy();
      process.disconnect();
      return;
    }
    void openLoop(message).then((figures) => send({ op: 'done', figures } satisfies FromLoad));
  });
  send({ op: 'ready' } satisfies FromLoad);
}
