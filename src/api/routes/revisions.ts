// A user consent's history on the read API: its revisions (paged) and one revision, for the same
// callers as the consent itself. Revisions are shown as stored: read-time expiry applies to the
// current state only (the consent routes), never to history.
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { ownedBy } from '../../domain/consent/read-view.ts';
import type { GuardedRequest, RouteOptions } from '../api-deps.ts';
import { ApiError } from '../errors.ts';
import { mayReadUser } from '../policy.ts';
import { consentRevision } from '../revision-schemas.ts';
import { errorResponses, pageQuery, params, securedBy } from '../schemas.ts';

interface ConsentParams { serviceId: string; userId: string; consentId: string }

const listOf = (consentId: string): string => `revisions:${consentId}`;

const revisionParams = {
  ...params.consent,
  required: [...params.consent.required, 'revision'],
  properties: { ...params.consent.properties, revision: { type: 'integer', minimum: 1 } },
} as const;

/** Request types come from each route's schema (the JSON-schema type provider), not from generics. */
export const revisionRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: RouteOptions }> = async (app, { deps, guard }) => {
  const { pageLimitDefault, pageLimitMax } = deps.limits;
  const consentGuard = async (request: GuardedRequest & { params: ConsentParams }): Promise<void> => {
    await guard(request, (caller) => mayReadUser(caller, request.params.serviceId, request.params.userId), (caller) => `caller:${caller.subject}`);
  };
  /** 404 unless the consent is this user's with this service, as for the consent itself. */
  const owned = async ({ serviceId, userId, consentId }: ConsentParams): Promise<void> => {
    if (ownedBy(await deps.store.consent(consentId), serviceId, userId) === null) {
      throw new ApiError('404', 'CONSENT_NOT_FOUND', `no consent ${consentId} of this user and service`);
    }
  };

  app.get('/services/:serviceId/users/:userId/consents/:consentId/revisions', {
    schema: {
      summary: "A user consent's revisions (every change, hash-chained), in revision order, paged",
      description: `limit defaults to ${pageLimitDefault}, at most ${pageLimitMax}. nextPageToken is opaque and signed, and valid for this consent's list only. `
        + 'Revisions are shown as stored (no read-time expiry); docs/ledger.md says how to verify them.',
      tags: ['consents'], security: securedBy, params: params.consent,
      querystring: pageQuery(pageLimitDefault, pageLimitMax),
      response: {
        200: {
          type: 'object', required: ['data', 'nextPageToken'],
          properties: { data: { type: 'array', items: consentRevision }, nextPageToken: { type: ['string', 'null'] } },
        },
        ...errorResponses(400, 401, 403, 404, 429, 500),
      },
    },
    preHandler: consentGuard,
  }, async (request) => {
    const { serviceId, userId, consentId } = request.params;
    const limit = request.query.limit ?? pageLimitDefault;
    const token = request.query.pageToken;
    const after = token === undefined ? 0 : Number(deps.tokens.read(token, serviceId, userId, listOf(consentId)));
    await owned(request.params);
    // One more than asked says whether another page exists without a second query.
    const found = await deps.store.consentRevisions(consentId, after, limit + 1);
    const page = found.slice(0, limit);
    const last = page.at(-1);
    return { data: page, nextPageToken: found.length > limit && last ? deps.tokens.issue(serviceId, userId, String(last.revision), listOf(consentId)) : null };
  });

  app.get('/services/:serviceId/users/:userId/consents/:consentId/revisions/:revision', {
    schema: {
      summary: 'One revision of a user consent, as stored',
      tags: ['consents'], security: securedBy,
      params: revisionParams,
      response: { 200: { type: 'object', required: ['data'], properties: { data: consentRevision } }, ...errorResponses(400, 401, 403, 404, 429, 500) },
    },
    preHandler: consentGuard,
  }, async (request) => {
    await owned(request.params);
    const { consentId, revision } = request.params;
    const found = await deps.store.consentRevision(consentId, revision);
    if (found === null) throw new ApiError('404', 'REVISION_NOT_FOUND', `no revision ${revision} of consent ${consentId}`);
    return { data: found };
  });
};
