// A consent's history on the read API: its revisions (paged) and one revision, for the same
// callers as the consent itself: a user consent's under the user route (the user, or the
// service), an org consent's under the org route (its org_owner and org_admin). Revisions are
// shown as stored: read-time expiry applies to the current state only, never to history.
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { Consent } from '../../domain/consent/consent.ts';
import { ownedBy } from '../../domain/consent/read-view.ts';
import type { ConsentRevision } from '../../domain/consent/revision.ts';
import type { ApiDeps, GuardedRequest, RouteOptions } from '../api-deps.ts';
import { ApiError } from '../errors.ts';
import { mayReadOrg, mayReadUser } from '../policy.ts';
import { consentRevision } from '../revision-schemas.ts';
import { errorResponses, pageQuery, params, securedBy } from '../schemas.ts';

interface ConsentParams { serviceId: string; userId: string; consentId: string }
interface OrgConsentParams { orgId: string; consentId: string }

const listOf = (consentId: string): string => `revisions:${consentId}`;

const listSchema = <const P>(summary: string, routeParams: P, limits: ApiDeps['limits']) => ({
  summary,
  description: `limit defaults to ${limits.pageLimitDefault}, at most ${limits.pageLimitMax}. nextPageToken is opaque and signed, and valid for this consent's list only. `
    + 'Revisions are shown as stored (no read-time expiry); docs/ledger.md says how to verify them.',
  tags: ['consents'], security: securedBy, params: routeParams,
  querystring: pageQuery(limits.pageLimitDefault, limits.pageLimitMax),
  response: {
    200: {
      type: 'object', required: ['data', 'nextPageToken'],
      properties: { data: { type: 'array', items: consentRevision }, nextPageToken: { type: ['string', 'null'] } },
    },
    ...errorResponses(400, 401, 403, 404, 429, 500),
  },
}) as const;

const oneSchema = <const P>(summary: string, routeParams: P) => ({
  summary, tags: ['consents'], security: securedBy, params: routeParams,
  response: { 200: { type: 'object', required: ['data'], properties: { data: consentRevision } }, ...errorResponses(400, 401, 403, 404, 429, 500) },
}) as const;

/** Where a page token of one consent's list is bound: the list's owner (a service and user, or an org) and the consent. */
interface TokenBinding { readonly owner: string; readonly principal: string }

/**
 * One page of a consent's revisions, after the revision the token names. The token is read before
 * `owned` (which 404s a consent the caller may not see), so a bad token is a 400 whoever's it is.
 */
async function revisionPage(deps: ApiDeps, consentId: string, bound: TokenBinding, query: { limit?: number; pageToken?: string }, owned: () => Promise<void>): Promise<{ data: ConsentRevision[]; nextPageToken: string | null }> {
  const limit = query.limit ?? deps.limits.pageLimitDefault;
  const after = query.pageToken === undefined ? 0 : Number(deps.tokens.read(query.pageToken, bound.owner, bound.principal, listOf(consentId)));
  await owned();
  // One more than asked says whether another page exists without a second query.
  const found = await deps.store.consentRevisions(consentId, after, limit + 1);
  const page = found.slice(0, limit);
  const last = page.at(-1);
  return { data: page, nextPageToken: found.length > limit && last ? deps.tokens.issue(bound.owner, bound.principal, String(last.revision), listOf(consentId)) : null };
}

async function oneRevision(deps: ApiDeps, consentId: string, revision: number): Promise<{ data: ConsentRevision }> {
  const found = await deps.store.consentRevision(consentId, revision);
  if (found === null) throw new ApiError('404', 'REVISION_NOT_FOUND', `no revision ${revision} of consent ${consentId}`);
  return { data: found };
}

const notFound = (consentId: string, whose: string): ApiError => new ApiError('404', 'CONSENT_NOT_FOUND', `no consent ${consentId} of this ${whose}`);

/** Request types come from each route's schema (the JSON-schema type provider), not from generics. */
export const revisionRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: RouteOptions }> = async (app, { deps, guard }) => {
  const consentGuard = async (request: GuardedRequest & { params: ConsentParams }): Promise<void> => {
    await guard(request, (caller) => mayReadUser(caller, request.params.serviceId, request.params.userId), (caller) => `caller:${caller.subject}`);
  };
  /** 404 unless the consent is this user's with this service, as for the consent itself. */
  const owned = async ({ serviceId, userId, consentId }: ConsentParams): Promise<void> => {
    if (ownedBy(await deps.store.consent(consentId), serviceId, userId) === null) throw notFound(consentId, 'user and service');
  };
  const base = '/services/:serviceId/users/:userId/consents/:consentId/revisions';

  app.get(base, {
    schema: listSchema("A user consent's revisions (every change, hash-chained), in revision order, paged", params.consent, deps.limits),
    preHandler: consentGuard,
  }, async (request) => {
    const { serviceId, userId, consentId } = request.params;
    return revisionPage(deps, consentId, { owner: serviceId, principal: userId }, request.query, () => owned(request.params));
  });

  app.get(`${base}/:revision`, {
    schema: oneSchema('One revision of a user consent, as stored', params.consentRevision),
    preHandler: consentGuard,
  }, async (request) => {
    await owned(request.params);
    return oneRevision(deps, request.params.consentId, request.params.revision);
  });
};

/** An org consent addressed to this org, else null (404), as the org list would show it. */
const ofOrg = (consent: Consent | null, orgId: string): Consent | null =>
  consent !== null && consent.kind === 'ORG' && consent.targetOrgId === orgId ? consent : null;

/**
 * The org consents' history, for the org's org_owner and org_admin (the callers of the org list),
 * spending the org's budget as that list does. Page tokens are bound to `org:<orgId>` (no
 * identifier holds a ':', so no user list's token can pass for one) and to the consent.
 */
export const orgRevisionRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: RouteOptions }> = async (app, { deps, guard }) => {
  const orgGuard = async (request: GuardedRequest & { params: OrgConsentParams }): Promise<void> => {
    await guard(request, (caller) => mayReadOrg(caller, request.params.orgId), () => `org:${request.params.orgId}`);
  };
  const owned = async ({ orgId, consentId }: OrgConsentParams): Promise<void> => {
    if (ofOrg(await deps.store.consent(consentId), orgId) === null) throw notFound(consentId, 'organisation');
  };
  const base = '/orgs/:orgId/consents/:consentId/revisions';

  app.get(base, {
    schema: listSchema("An org consent's revisions (every change, hash-chained), in revision order, paged; for the org's org_owner and org_admin", params.orgConsent, deps.limits),
    preHandler: orgGuard,
  }, async (request) => {
    const { orgId, consentId } = request.params;
    return revisionPage(deps, consentId, { owner: `org:${orgId}`, principal: orgId }, request.query, () => owned(request.params));
  });

  app.get(`${base}/:revision`, {
    schema: oneSchema('One revision of an org consent, as stored; for the org\'s org_owner and org_admin', params.orgConsentRevision),
    preHandler: orgGuard,
  }, async (request) => {
    await owned(request.params);
    return oneRevision(deps, request.params.consentId, request.params.revision);
  });
};
