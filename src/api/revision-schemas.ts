// JSON schemas of a consent's revisions on the read API (docs/ledger.md): every field named, as
// fastify serialises only what a schema names. A revision is shown as it was stored.
const nullableString = { type: ['string', 'null'] } as const;
// Closed, as in schemas.ts: the type provider then checks the handlers' returns against these fields.
const closed = { additionalProperties: false } as const;

export const consentSnapshot = {
  type: 'object', ...closed,
  description: 'the consent state after the change, as stored then (no read-time expiry applied)',
  properties: {
    consentId: { type: 'string' },
    kind: { type: 'string', enum: ['USER', 'ORG'] },
    version: { type: 'integer' },
    status: { type: 'string', enum: ['ACTIVE', 'REQUESTED', 'REJECTED', 'REVOKED', 'EXPIRED'] },
    serviceId: nullableString,
    userId: nullableString,
    consentType: nullableString,
    consentData: { type: 'object', additionalProperties: { type: 'string' } },
    expiryTime: nullableString,
    sourceUserId: nullableString,
    targetOrgId: nullableString,
    // Always null on these USER routes, but part of the hashed snapshot: a field left out here would
    // be dropped by fastify and the body would no longer verify against its hash.
    targetOrgOwnerEmail: nullableString,
    expiry: nullableString,
    decidedBy: nullableString,
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

const proof = {
  type: ['object', 'null'], ...closed,
  required: ['noticeId', 'noticeVersion', 'textSha256', 'method', 'locale', 'collectedAt', 'artifactUri'],
  properties: {
    noticeId: { type: 'string' },
    noticeVersion: { type: 'string' },
    textSha256: { type: 'string', description: 'SHA-256 of the exact text shown, hex' },
    method: { type: 'string', enum: ['WEB_FORM', 'MOBILE_APP', 'API', 'PAPER', 'VERBAL', 'OTHER'] },
    locale: { type: 'string', description: 'BCP 47' },
    collectedAt: { type: 'string' },
    artifactUri: nullableString,
  },
} as const;

export const consentRevision = {
  type: 'object', ...closed,
  required: ['revisionId', 'consentId', 'revision', 'at', 'changeType', 'causationId', 'actor', 'changedFields', 'state', 'proof', 'previousHash', 'hash'],
  properties: {
    revisionId: { type: 'string', description: '<consentId>:<revision>' },
    consentId: { type: 'string' },
    revision: { type: 'integer', description: "the consent's version after the change" },
    at: { type: 'string' },
    changeType: { type: 'string' },
    causationId: { type: 'string', description: 'the commandId, or the expiry sweep' },
    actor: {
      type: ['object', 'null'], ...closed,
      required: ['userId', 'orgId', 'roles'],
      properties: { userId: { type: 'string' }, orgId: nullableString, roles: { type: 'array', items: { type: 'string' } } },
    },
    changedFields: { type: 'array', items: { type: 'string' } },
    state: consentSnapshot,
    proof,
    previousHash: { type: 'string', description: "the previous revision's hash; 64 zeros for the first" },
    hash: { type: 'string', description: 'SHA-256(previousHash ‖ RFC 8785 form of the revision without previousHash and hash), hex' },
  },
} as const;
