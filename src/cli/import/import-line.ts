// One line of an import file (docs/import-export.md) turned into the CreateConsent it asks for,
// under a commandId derived from what is sent: the same line always travels as the same command,
// so a re-run (or a resume that sends a line again) is answered from the worker's stored result
// instead of being applied twice. Only the JSON shape is checked here; every rule of the consent
// itself (identifiers, status, times, proof) is the worker's, so an import refuses exactly what a
// producer would be refused.
import { createHash } from 'node:crypto';
import type { CreateConsent } from '../../client/commands.ts';

/** The payload fields a line may carry; anything else on it (an export's version, revisions) is not sent. */
const SENT_FIELDS = ['consentId', 'serviceId', 'userId', 'status', 'consentType', 'consentData', 'expiryTime', 'createdAt', 'proof'] as const;

export interface ImportCommand {
  readonly commandId: string;
  readonly consentId: string | null;
  readonly payload: CreateConsent;
}

/** A line refused before anything is sent: not JSON, or not an object. */
export interface LineRefusal {
  readonly statusCode: '400';
  readonly errorCode: 'INVALID_LINE';
  readonly field: null;
  readonly message: string;
}

export const isLineRefusal = (value: ImportCommand | LineRefusal): value is LineRefusal => 'errorCode' in value;

const refuse = (message: string): LineRefusal => ({ statusCode: '400', errorCode: 'INVALID_LINE', field: null, message });

/** JSON with object keys sorted at every depth: the same content hashes the same whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `import-` and 40 hex characters of the payload's SHA-256: a valid commandId (^[\w\-.]{3,128}$). */
export function importCommandId(payload: Readonly<Record<string, unknown>>): string {
  return `import-${createHash('sha256').update(canonical(payload)).digest('hex').slice(0, 40)}`;
}

/** Null and absent are the same to the contract (Avro defaults), so they derive the same commandId. */
function sentPayload(line: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const field of SENT_FIELDS) if (line[field] !== undefined && line[field] !== null) payload[field] = line[field];
  return payload;
}

export function parseImportLine(text: string): ImportCommand | LineRefusal {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return refuse(`not JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return refuse('not a JSON object');
  const payload = sentPayload(parsed as Record<string, unknown>);
  const consentId = typeof payload['consentId'] === 'string' ? payload['consentId'] : null;
  // Typed as the contract's payload; a wrong type in a field is the worker's 400 on that field
  // (the Avro encoding refuses some first: reported as the line's 400 with the encoder's message).
  return { commandId: importCommandId(payload), consentId, payload: payload as unknown as CreateConsent };
}
