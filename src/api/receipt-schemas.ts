// JSON schema of the receipt for a data subject (docs/receipt.md; built by domain/ledger/receipt.ts).
// Every field is named: fastify serialises only what a schema names, and a field dropped here
// would break the receipt's digest and its chains.
import { consentRevision, consentSnapshot } from './revision-schemas.ts';

const closed = { additionalProperties: false } as const;

const receiptConsent = {
  type: 'object', ...closed,
  required: ['consentId', 'kind', 'current', 'expiredAtRead', 'chainHead', 'revisions'],
  properties: {
    consentId: { type: 'string' },
    kind: { type: 'string', enum: ['USER', 'ORG'] },
    current: { ...consentSnapshot, description: 'the state now, read-time expiry applied: an ACTIVE consent past its expiry reads EXPIRED' },
    expiredAtRead: { type: 'boolean', description: 'current.status is EXPIRED only because the expiry passed before generatedAt (stored ACTIVE)' },
    chainHead: {
      type: 'object', ...closed, required: ['version', 'lastRevisionHash'],
      properties: { version: { type: 'integer' }, lastRevisionHash: { type: ['string', 'null'], description: 'null: stored before the ledger, no revisions' } },
    },
    revisions: { type: 'array', items: consentRevision, description: 'the whole chain, in revision order, as stored' },
  },
} as const;

export const receipt = {
  type: 'object', ...closed,
  required: ['schemaVersion', 'receiptId', 'generatedAt', 'issuer', 'piiPrincipalId', 'totals', 'consents', 'digest'],
  properties: {
    schemaVersion: { type: 'string', enum: ['consent-worker-receipt/1'] },
    receiptId: { type: 'string' },
    generatedAt: { type: 'string' },
    issuer: {
      type: 'object', ...closed, required: ['software', 'softwareVersion'],
      properties: { software: { type: 'string' }, softwareVersion: { type: 'string' } },
    },
    piiPrincipalId: { type: 'string', description: 'the data subject: userId of USER consents, sourceUserId of ORG consents' },
    totals: {
      type: 'object', ...closed, required: ['consents', 'revisions'],
      properties: { consents: { type: 'integer' }, revisions: { type: 'integer' } },
    },
    consents: { type: 'array', items: receiptConsent },
    digest: {
      type: 'object', ...closed, required: ['algorithm', 'canonicalization', 'value'],
      properties: {
        algorithm: { type: 'string', enum: ['SHA-256'] },
        canonicalization: { type: 'string', enum: ['RFC 8785'] },
        value: { type: 'string', description: 'hex SHA-256 of the RFC 8785 form of the receipt without digest' },
      },
    },
  },
} as const;
