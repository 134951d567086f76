// Lengths of time as a policy command carries them: an ISO 8601 duration (P90D, PT12H, P1W,
// P1DT6H) or a whole number of milliseconds written as digits. Years and months are refused: their
// length depends on the calendar date they start from, and a policy's lifetime must be one number.
import { invalid } from '../status.ts';
import type { Checked } from '../validation.ts';

const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/;
const MS = /^\d{1,15}$/;

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The longest lifetime or lead a policy may set: 100 years of 365 days. */
export const MAX_DURATION_MS = 36_500 * DAY;

/** Milliseconds of an ISO 8601 duration without years or months, or of digits; null when neither. */
export function durationMs(text: string): number | null {
  if (MS.test(text)) return Number(text);
  const m = DURATION.exec(text);
  // "P" and "PT" alone match the pattern but name no length at all.
  if (!m || text === 'P' || text.endsWith('T')) return null;
  const [, weeks, days, hours, minutes, seconds] = m.map((part) => (part === undefined ? 0 : Number(part)));
  return Math.round((weeks ?? 0) * 7 * DAY + (days ?? 0) * DAY + (hours ?? 0) * HOUR + (minutes ?? 0) * MINUTE + (seconds ?? 0) * SECOND);
}

/** A policy field's duration: absent is null; present must be 1 s to 100 years. */
export function optionalDuration(field: string, value: unknown): Checked<number | null> {
  if (value === null || value === undefined) return null;
  const ms = typeof value === 'string' ? durationMs(value) : null;
  if (ms === null) {
    return invalid(field, 'must be an ISO 8601 duration in weeks, days, hours, minutes, seconds (P90D, PT12H) or milliseconds as digits');
  }
  if (ms < SECOND || ms > MAX_DURATION_MS) return invalid(field, 'must be between 1 second and 36500 days');
  return ms;
}

export const DAY_MS = DAY;
