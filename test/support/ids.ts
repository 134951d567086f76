// Identifiers unique to one test run, so tests share servers without sharing data.
import { randomUUID } from 'node:crypto';

/** `prefix` and eight random hex digits, e.g. `c-1f3a9b2e`. */
export const uid = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;
