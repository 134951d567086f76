// The benchmark's sizes, from the environment, with defaults small enough that `npm run bench`
// finishes in about ten minutes on a 2-core machine (BENCH_SHORT=1: a smoke run in under two).
import { envNumber } from '../env-number.ts';

export interface BenchSettings {
  /** Commands in each closed backlog (the mix is half of each type). */
  readonly n: number;
  /** Open-loop rates (commands/s) and how long each is held. */
  readonly rates: readonly number[];
  readonly openSeconds: number;
  /**
   * The sustained open-loop rows: CreateConsent at each of `rates`/s for `seconds` (long enough to
   * include deferred work: the outbox clears come OUTBOX_CLEAR_DELAY_MS, 30 s, after each publish),
   * each saying whether the worker kept up. By default 1,000/s (issue 19's p99 target) and 2,000/s
   * (its capacity target); no rates or 0 s skips them.
   */
  readonly sustained: { readonly rates: readonly number[]; readonly seconds: number };
  /** BENCH_SHORT=1: a smoke run (under two minutes) that proves every row prints; its figures mean little. */
  readonly short: boolean;
  /** Stored consents of the large-collection variant; 0 skips it. */
  readonly stored: number;
  /** Longest wait for one phase's results before it is reported as incomplete. */
  readonly phaseTimeoutMs: number;
  /** How long an idle moment is watched to measure what the servers use without the benchmark. */
  readonly backgroundMs: number;
  /**
   * Whether workers record their MongoDB commands for the raw store replay. The record is held in
   * the worker's memory until it exits, so its peak RSS includes it; BENCH_TRACE=0 measures the
   * worker without it (and without the raw store rows).
   */
  readonly trace: boolean;
  /**
   * The scenarios to run (BENCH_SCENARIOS, comma-separated; default all): create (always),
   * update, accept, mix, open, raw. `raw` (the raw limits and the stored-data variant) needs all
   * the others. E.g. BENCH_SCENARIOS=create,update BENCH_STORED=0 BENCH_TRACE=0 for a short A/B
   * run of the worker's CPU per command.
   */
  readonly scenarios: readonly Scenario[];
}

export const SCENARIOS = ['create', 'update', 'accept', 'mix', 'open', 'raw'] as const;
export type Scenario = typeof SCENARIOS[number];

function scenarios(raw: string | undefined): Scenario[] {
  if (!raw?.trim()) return [...SCENARIOS];
  const names = raw.split(',').map((name) => name.trim()).filter(Boolean);
  const bad = names.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
  if (bad.length > 0) throw new Error(`BENCH_SCENARIOS: unknown ${bad.join(', ')} (known: ${SCENARIOS.join(', ')})`);
  const chosen = new Set(['create', ...names]) as Set<Scenario>;
  if (chosen.has('raw') && SCENARIOS.some((name) => !chosen.has(name))) throw new Error('BENCH_SCENARIOS: raw needs every other scenario');
  return SCENARIOS.filter((name) => chosen.has(name));
}

/**
 * A list of rates (commands/s) from the environment, e.g. `50,100,250`; the default when unset;
 * `none` (or `0`) for no rates at all where `allowNone`.
 */
export function envRates(name: string, fallback: string, raw = process.env[name], allowNone = false): number[] {
  const text = raw?.trim() || fallback;
  if (allowNone && (text === 'none' || text === '0')) return [];
  const rates = text.split(',').map((r) => Number(r.trim()));
  if (rates.some((r) => !Number.isFinite(r) || r <= 0)) throw new Error(`${name} must be positive numbers separated by commas${allowNone ? ' (or none)' : ''}, got ${JSON.stringify(text)}`);
  return rates;
}

export function loadSettings(): BenchSettings {
  const short = process.env['BENCH_SHORT']?.trim() === '1';
  if (process.env['BENCH_SUSTAINED_RATE'] !== undefined) throw new Error('BENCH_SUSTAINED_RATE is now BENCH_SUSTAINED_RATES (a list, e.g. 1000,2000)');
  return {
    n: Math.floor(envNumber('BENCH_N', short ? 200 : 2_000, 10)),
    rates: envRates('BENCH_RATES', '50,100,250,500,1000'),
    openSeconds: envNumber('BENCH_OPEN_SECONDS', short ? 2 : 15, 1),
    sustained: { rates: envRates('BENCH_SUSTAINED_RATES', '1000,2000', undefined, true), seconds: envNumber('BENCH_SUSTAINED_SECONDS', short ? 5 : 90) },
    short,
    stored: Math.floor(envNumber('BENCH_STORED', short ? 0 : 50_000)),
    phaseTimeoutMs: envNumber('BENCH_PHASE_TIMEOUT_S', 120, 5) * 1_000,
    backgroundMs: envNumber('BENCH_BACKGROUND_S', short ? 1 : 3) * 1_000,
    trace: process.env['BENCH_TRACE']?.trim() !== '0',
    scenarios: scenarios(process.env['BENCH_SCENARIOS']),
  };
}
