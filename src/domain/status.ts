// The contract's status codes and the shape of a refusal. Every code is decided in src/domain;
// the pipeline only carries them to the result topic.

export type SuccessCode = '200' | '201' | '303';
export type ErrorCode =
  | '400' | '400.2' | '400.3'
  | '401' | '403'
  | '404' | '404.1' | '404.2' | '404.5' | '404.6'
  | '409'
  | '412.2' | '412.3' | '412.4'
  | '413' // a contract addition: the command, or its result, is larger than the bus carries
  | '429'
  | '500';
export type StatusCode = SuccessCode | ErrorCode;

/** A command the domain refuses: the result carries these fields, nothing is written. */
export interface Rejection {
  readonly kind: 'rejection';
  readonly statusCode: ErrorCode;
  /** Stable machine-readable reason, e.g. VALIDATION_FAILED, VERSION_CONFLICT. */
  readonly errorCode: string;
  readonly message: string;
  /** The payload field at fault, for 400s. */
  readonly field?: string;
}

// Only reject() can make a Rejection: a payload value shaped like one (a consentData map with
// kind "rejection", say) must never pass for a refusal.
const REJECTION = Symbol('rejection');

export function reject(statusCode: ErrorCode, errorCode: string, message: string, field?: string): Rejection {
  const rejection = field === undefined
    ? { kind: 'rejection' as const, statusCode, errorCode, message }
    : { kind: 'rejection' as const, statusCode, errorCode, message, field };
  return Object.defineProperty(rejection, REJECTION, { value: true, enumerable: false });
}

export function invalid(field: string, message: string): Rejection {
  return reject('400', 'VALIDATION_FAILED', `${field}: ${message}`, field);
}

export function isRejection(value: unknown): value is Rejection {
  return typeof value === 'object' && value !== null && (value as { [REJECTION]?: unknown })[REJECTION] === true;
}
