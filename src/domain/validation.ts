// Field rules shared by every command family (from the contract and the seeds).
import { invalid, isRejection, type Rejection } from './status.ts';

export const IDENTIFIER = /^[\w\-.]{3,128}$/;
export const DATA_LIMITS = { maxPairs: 32, maxKeyLength: 64, maxValueLength: 256 } as const;
// ISO 8601 date-time with an explicit offset (Z or ±hh:mm); a time without one is ambiguous.
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

export type Checked<T> = T | Rejection;

export function identifier(field: string, value: unknown): Checked<string> {
  if (typeof value !== 'string' || value.length === 0) return invalid(field, 'is required');
  if (!IDENTIFIER.test(value)) return invalid(field, 'must match ^[\\w\\-\\.]{3,128}$');
  return value;
}

export function optionalIdentifier(field: string, value: unknown): Checked<string | null> {
  return value === null || value === undefined ? null : identifier(field, value);
}

/** consentData and permission data: bounded string pairs whose keys cannot become MongoDB operators or paths. */
export function dataPairs(field: string, value: unknown): Checked<Record<string, string>> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) return invalid(field, 'must be a map of strings');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > DATA_LIMITS.maxPairs) return invalid(field, `at most ${DATA_LIMITS.maxPairs} pairs`);
  for (const [key, v] of entries) {
    // Lengths in characters (code points), as the contract counts them, not UTF-16 units.
    const keyLength = [...key].length;
    if (keyLength < 1 || keyLength > DATA_LIMITS.maxKeyLength) {
      return invalid(field, `keys must be 1–${DATA_LIMITS.maxKeyLength} characters`);
    }
    if (key.startsWith('$') || key.includes('.')) return invalid(field, 'keys must not start with $ or contain .');
    if (key.includes('\0')) return invalid(field, 'keys must not contain NUL (BSON cannot store it)');
    // A plain object silently drops "__proto__" (it sets the prototype instead): refused, not lost.
    if (key === '__proto__') return invalid(field, 'keys must not be __proto__');
    const valueLength = typeof v === 'string' ? [...v].length : 0;
    if (typeof v !== 'string' || valueLength < 1 || valueLength > DATA_LIMITS.maxValueLength) {
      return invalid(field, `values must be strings of 1–${DATA_LIMITS.maxValueLength} characters`);
    }
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

export function isoTime(field: string, value: unknown): Checked<Date> {
  if (typeof value !== 'string' || !ISO_WITH_OFFSET.test(value)) {
    return invalid(field, 'must be an ISO 8601 date-time with offset');
  }
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) return invalid(field, 'is not a valid date-time');
  // Date() rolls impossible dates over (Feb 31 becomes Mar 3, 24:00 the next day): refuse them.
  const [year, month, day, hour] = value.slice(0, 13).split(/[-T]/).map(Number) as [number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23) return invalid(field, 'is not a valid date-time');
  // Times are echoed in UTC (toISOString): 9999-12-31T23:00-14:00 is in year 10000 there and would
  // come back as "+010000-…", outside the contract's format. Refused rather than echoed oddly.
  const utcYear = time.getUTCFullYear();
  if (utcYear < 1 || utcYear > 9999) return invalid(field, 'must fall within the years 0001–9999 in UTC');
  return time;
}

export function optionalFutureTime(field: string, value: unknown, now: Date): Checked<Date | null> {
  if (value === null || value === undefined) return null;
  const time = isoTime(field, value);
  if (time instanceof Date && time.getTime() <= now.getTime()) return invalid(field, 'must be in the future');
  return time;
}

export function optionalString(field: string, value: unknown, max: number): Checked<string | null> {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || value.length > max) return invalid(field, `must be a string of at most ${max} characters`);
  return value;
}

/** The first field of a command that failed its check, or null when all passed. */
export function firstRejection(checks: Readonly<Record<string, Checked<unknown>>>): Rejection | null {
  return Object.values(checks).find(isRejection) ?? null;
}
