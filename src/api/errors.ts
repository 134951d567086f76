// The seeds' CspErrorResponse, the one error shape of every read route:
//   {cspErrorCode, errorCode, message, moduleCode, requestId, statusCode}
// statusCode is the HTTP status; cspErrorCode the contract's finer code (e.g. "404.1", same as
// the commands' results); errorCode a stable machine-readable reason.
import type { ErrorCode, Rejection } from '../domain/status.ts';

export const MODULE_CODE = 'CONSENT_READ_API';

export interface CspErrorResponse {
  readonly cspErrorCode: string;
  readonly errorCode: string;
  readonly message: string;
  readonly moduleCode: string;
  readonly requestId: string;
  readonly statusCode: number;
}

/** A refusal the API answers with; anything else thrown in a route is a 500. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly cspErrorCode: ErrorCode;
  readonly errorCode: string;
  constructor(cspErrorCode: ErrorCode, errorCode: string, message: string) {
    super(message);
    this.cspErrorCode = cspErrorCode;
    this.errorCode = errorCode;
  }

  get httpStatus(): number {
    return Number.parseInt(this.cspErrorCode, 10);
  }

  static of(rejection: Rejection): ApiError {
    return new ApiError(rejection.statusCode, rejection.errorCode, rejection.message);
  }
}

export function errorBody(error: ApiError, requestId: string): CspErrorResponse {
  return {
    cspErrorCode: error.cspErrorCode,
    errorCode: error.errorCode,
    message: error.message,
    moduleCode: MODULE_CODE,
    requestId,
    statusCode: error.httpStatus,
  };
}
