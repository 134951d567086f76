// JSON schemas of the read routes: fastify validates input with them, serialises output through
// them (nothing outside a schema leaves), and @fastify/swagger publishes them as OpenAPI 3.
export const IDENTIFIER_MAX_LENGTH = 128;
export const IDENTIFIER_PATTERN = `^[\\w\\-\\.]{3,${IDENTIFIER_MAX_LENGTH}}$`;
const id = { type: 'string', pattern: IDENTIFIER_PATTERN } as const;
const nullableString = { type: ['string', 'null'] } as const;
const status = { type: 'string', enum: ['ACTIVE', 'REQUESTED', 'REJECTED', 'REVOKED', 'EXPIRED'] } as const;

export const cspErrorResponse = {
  $id: 'CspErrorResponse',
  type: 'object',
  required: ['cspErrorCode', 'errorCode', 'message', 'moduleCode', 'requestId', 'statusCode'],
  properties: {
    cspErrorCode: { type: 'string', description: 'the contract code, e.g. 404.1' },
    errorCode: { type: 'string', description: 'stable machine-readable reason, e.g. ENTITY_NOT_FOUND' },
    message: { type: 'string' },
    moduleCode: { type: 'string' },
    requestId: { type: 'string' },
    statusCode: { type: 'integer', description: 'the HTTP status' },
  },
} as const;

const error = { $ref: 'CspErrorResponse#' } as const;
export const errorResponses = (...codes: number[]): Record<number, typeof error> =>
  Object.fromEntries(codes.map((code) => [code, error]));

// additionalProperties: false on what is sent: the serialiser drops anything else anyway, and the
// JSON-schema type provider then checks each handler's return against exactly these fields.
const closed = { additionalProperties: false } as const;

export const consent = {
  type: 'object', ...closed,
  required: ['consentId', 'consentVersion', 'userId', 'serviceId', 'status', 'consentType', 'consentData', 'expiryTime'],
  properties: {
    consentId: { type: 'string' },
    consentVersion: { type: 'integer' },
    userId: { type: 'string' },
    serviceId: { type: 'string' },
    status: { ...status, description: 'EXPIRED once the expiry has passed, even before the expiry sweep ran' },
    consentType: nullableString,
    consentData: { type: 'object', additionalProperties: { type: 'string' } },
    expiryTime: nullableString,
  },
} as const;

export const consentDto = {
  type: 'object', ...closed,
  required: ['consentId', 'source', 'status', 'target'],
  properties: {
    consentId: { type: 'string' },
    source: { type: 'object', ...closed, required: ['userId'], properties: { userId: { type: 'string' } } },
    status: { type: 'string', enum: ['ACTIVE', 'REQUESTED'] },
    target: { type: 'object', ...closed, required: ['orgId', 'orgOwnerEmail'], properties: { orgId: { type: 'string' }, orgOwnerEmail: { type: 'string' } } },
  },
} as const;

export const permissionState = {
  type: 'object', ...closed,
  required: ['entityId', 'permissionId', 'isActive', 'isWithdrawn', 'acceptance', 'withdrawal'],
  properties: {
    entityId: { type: 'string' },
    permissionId: { type: 'string' },
    isActive: { type: 'boolean' },
    isWithdrawn: { type: 'boolean' },
    acceptance: { type: 'object', ...closed, required: ['timestamp', 'sourceId'], properties: { timestamp: { type: 'string' }, sourceId: { type: 'string' } } },
    withdrawal: {
      type: ['object', 'null'], ...closed,
      required: ['timestamp', 'sourceId', 'reason'],
      properties: { timestamp: { type: 'string' }, sourceId: { type: 'string' }, reason: nullableString },
    },
  },
} as const;

export const accessDecision = {
  type: 'object', ...closed,
  required: ['allowed', 'consentId', 'consentVersion', 'expiresAt', 'reason'],
  properties: {
    allowed: { type: 'boolean' },
    consentId: nullableString,
    consentVersion: { type: ['integer', 'null'] },
    expiresAt: nullableString,
    reason: { type: 'string', enum: ['ACTIVE_CONSENT', 'NO_CONSENT', 'EXPIRED', 'REVOKED', 'REJECTED', 'REQUESTED'] },
  },
} as const;

/** The querystring of every paged list: a limit bounded by the configuration, and the signed pageToken. */
export function pageQuery(pageLimitDefault: number, pageLimitMax: number) {
  return {
    type: 'object',
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: pageLimitMax, default: pageLimitDefault },
      pageToken: { type: 'string', minLength: 1, maxLength: 1024 },
    },
  } as const;
}

export const params = {
  org: { type: 'object', required: ['orgId'], properties: { orgId: id } },
  subject: { type: 'object', required: ['userId'], properties: { userId: id } },
  user: { type: 'object', required: ['serviceId', 'userId'], properties: { serviceId: id, userId: id } },
  consent: { type: 'object', required: ['serviceId', 'userId', 'consentId'], properties: { serviceId: id, userId: id, consentId: id } },
  consentRevision: {
    type: 'object', required: ['serviceId', 'userId', 'consentId', 'revision'],
    properties: { serviceId: id, userId: id, consentId: id, revision: { type: 'integer', minimum: 1 } },
  },
  orgConsent: { type: 'object', required: ['orgId', 'consentId'], properties: { orgId: id, consentId: id } },
  orgConsentRevision: { type: 'object', required: ['orgId', 'consentId', 'revision'], properties: { orgId: id, consentId: id, revision: { type: 'integer', minimum: 1 } } },
  entityById: { type: 'object', required: ['entityId', 'permissionId'], properties: { entityId: id, permissionId: id } },
  entityByKey: { type: 'object', required: ['extKey', 'extType', 'permissionId'], properties: { extKey: id, extType: id, permissionId: id } },
} as const;

export const securedBy = [{ bearer: [] }];
