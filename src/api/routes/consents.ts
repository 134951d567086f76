// The consent reads: an org's list, a user's list (paged), one consent, and the access check.
// Every status is the one at read time (domain/consent/read-view.ts), so an ACTIVE consent past
// its expiry reads EXPIRED and allows nothing, whether or not the sweep has run.
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { checkAccess, orgConsentList, ownedBy, userConsentView } from '../../domain/consent/read-view.ts';
import { ApiError } from '../errors.ts';
import { mayReadOrg, mayReadUser } from '../policy.ts';
import { accessDecision, consent, consentDto, errorResponses, IDENTIFIER_PATTERN, pageQuery, params, securedBy } from '../schemas.ts';
import type { GuardedRequest, RouteOptions } from '../api-deps.ts';

/** Request types come from each route's schema (the JSON-schema type provider), not from generics. */
export const consentRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: RouteOptions }> = async (app, { deps, guard }) => {
  const { pageLimitDefault, pageLimitMax } = deps.limits;

  app.get('/orgs/:orgId/consents', {
    schema: {
      summary: "An organisation's ACTIVE (unexpired) and REQUESTED consents; for its org_owner and org_admin",
      tags: ['consents'], security: securedBy, params: params.org,
      response: { 200: { type: 'array', items: consentDto }, ...errorResponses(400, 401, 403, 429, 500) },
    },
    // The budget is the org's, shared by all its callers (and all API replicas).
    preHandler: async (request) => {
      await guard(request, (caller) => mayReadOrg(caller, request.params.orgId), () => `org:${request.params.orgId}`);
    },
  }, async (request) => orgConsentList(await deps.store.orgConsents(request.params.orgId), request.params.orgId, deps.clock()));

  const userGuard = async (request: GuardedRequest & { params: { serviceId: string; userId: string } }): Promise<void> => {
    await guard(request, (caller) => mayReadUser(caller, request.params.serviceId, request.params.userId), (caller) => `caller:${caller.subject}`);
  };

  app.get('/services/:serviceId/users/:userId/consents', {
    schema: {
      summary: "A user's consents with a service, in consentId order, paged",
      description: `limit defaults to ${pageLimitDefault}, at most ${pageLimitMax}. nextPageToken is opaque and signed; `
        + 'paging while consents change returns none twice and skips none that existed at the first page.',
      tags: ['consents'], security: securedBy, params: params.user,
      querystring: pageQuery(pageLimitDefault, pageLimitMax),
      response: {
        200: {
          type: 'object', additionalProperties: false, required: ['data', 'nextPageToken'],
          properties: { data: { type: 'array', items: consent }, nextPageToken: { type: ['string', 'null'] } },
        },
        ...errorResponses(400, 401, 403, 429, 500),
      },
    },
    preHandler: userGuard,
  }, async (request) => {
    const { serviceId, userId } = request.params;
    const limit = request.query.limit ?? pageLimitDefault;
    const after = request.query.pageToken === undefined ? null : deps.tokens.read(request.query.pageToken, serviceId, userId);
    // One more than asked says whether another page exists without a second query.
    const found = await deps.store.userConsents(serviceId, userId, after, limit + 1);
    const page = found.slice(0, limit);
    const now = deps.clock();
    const last = page.at(-1);
    return {
      data: page.filter((c) => ownedBy(c, serviceId, userId) !== null).map((c) => userConsentView(c, now)),
      nextPageToken: found.length > limit && last ? deps.tokens.issue(serviceId, userId, last.consentId) : null,
    };
  });

  app.get('/services/:serviceId/users/:userId/consents/:consentId', {
    schema: {
      summary: "One of a user's consents with a service; 404 when absent or another user's or service's",
      tags: ['consents'], security: securedBy, params: params.consent,
      response: { 200: { type: 'object', additionalProperties: false, required: ['data'], properties: { data: consent } }, ...errorResponses(400, 401, 403, 404, 429, 500) },
    },
    preHandler: userGuard,
  }, async (request) => {
    const { serviceId, userId, consentId } = request.params;
    const found = ownedBy(await deps.store.consent(consentId), serviceId, userId);
    if (found === null) throw new ApiError('404', 'CONSENT_NOT_FOUND', `no consent ${consentId} of this user and service`);
    return { data: userConsentView(found, deps.clock()) };
  });

  app.get('/services/:serviceId/users/:userId/access', {
    schema: {
      summary: 'Whether data of consentType may be used: only an ACTIVE, unexpired consent of that type allows',
      tags: ['consents'], security: securedBy, params: params.user,
      querystring: { type: 'object', required: ['consentType'], properties: { consentType: { type: 'string', pattern: IDENTIFIER_PATTERN } } },
      response: { 200: accessDecision, ...errorResponses(400, 401, 403, 429, 500) },
    },
    preHandler: userGuard,
  }, async (request) => {
    const { serviceId, userId } = request.params;
    const consents = await deps.store.userConsentsOfType(serviceId, userId, request.query.consentType);
    return checkAccess(consents, serviceId, userId, request.query.consentType, deps.clock());
  });
};
