// The receipt for a data subject (docs/receipt.md): everything held about the calling user across
// services, with each consent's chain, in one answer the user can verify offline. Built by the
// same function as `consent-worker receipt` (domain/ledger/receipt.ts), so both give the same JSON.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { SOFTWARE } from '../../config/software.ts';
import { buildReceipt, RECEIPT_BOUNDS, RECEIPT_MAX_CONSENTS, RECEIPT_MAX_REVISIONS } from '../../domain/ledger/receipt.ts';
import { isRejection } from '../../domain/status.ts';
import type { RouteOptions } from '../api-deps.ts';
import { ApiError } from '../errors.ts';
import { mayReadReceipt } from '../policy.ts';
import { receipt } from '../receipt-schemas.ts';
import { errorResponses, params, securedBy } from '../schemas.ts';

/** Request types come from each route's schema (the JSON-schema type provider), not from generics. */
export const receiptRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: RouteOptions }> = async (app, { deps, guard }) => {
  app.get('/users/:userId/receipt', {
    schema: {
      summary: 'The receipt for a data subject: every consent held about the user across services, with its revision chain; for the user themself',
      description: `At most ${RECEIPT_MAX_CONSENTS} consents and ${RECEIPT_MAX_REVISIONS} revisions: more is refused with 413 RECEIPT_TOO_LARGE, never cut short. `
        + 'Current states have read-time expiry applied; revisions are as stored. docs/receipt.md says how to verify it offline.',
      tags: ['consents'], security: securedBy, params: params.subject,
      response: { 200: receipt, ...errorResponses(400, 401, 403, 413, 429, 500) },
    },
    preHandler: async (request) => {
      await guard(request, (caller) => mayReadReceipt(caller, request.params.userId), (caller) => `caller:${caller.subject}`);
    },
  }, async (request) => {
    const { userId } = request.params;
    const held = await deps.store.subjectLedger(userId, RECEIPT_BOUNDS);
    const built = buildReceipt({ receiptId: randomUUID(), principalId: userId, generatedAt: deps.clock(), issuer: SOFTWARE, held });
    if (isRejection(built)) throw ApiError.of(built);
    return built;
  });
};
