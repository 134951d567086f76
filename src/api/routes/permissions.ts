// Permission acceptance reads, by entityId or by external key, with the commands' codes
// (404.1 / 404.2 / 404.5; domain/permission/read-acceptance.ts).
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { EntityRef } from '../../domain/permission/commands.ts';
import { readAcceptance } from '../../domain/permission/read-acceptance.ts';
import { isRejection } from '../../domain/status.ts';
import { ApiError } from '../errors.ts';
import { mayReadPermissions } from '../policy.ts';
import { errorResponses, params, permissionState, securedBy } from '../schemas.ts';
import type { GuardedRequest, RouteOptions } from '../api-deps.ts';

/** Request types come from each route's schema (the JSON-schema type provider), not from generics. */
export const permissionRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: RouteOptions }> = async (app, { deps, guard }) => {
  const schema = <P extends object>(summary: string, routeParams: P) => ({
    summary, tags: ['permissions'], security: securedBy, params: routeParams,
    response: { 200: permissionState, ...errorResponses(400, 401, 403, 404, 429, 500) },
  });
  const preHandler = async (request: GuardedRequest): Promise<void> => {
    await guard(request, mayReadPermissions, (caller) => `caller:${caller.subject}`);
  };

  async function answer(ref: EntityRef, entityId: string | null, permissionId: string) {
    const [entity, permission] = await Promise.all([
      entityId === null ? null : deps.store.entity(entityId),
      deps.store.permission(permissionId),
    ]);
    const state = readAcceptance(ref, entity, permission, permissionId);
    if (isRejection(state)) throw ApiError.of(state);
    return state;
  }

  app.get('/permissions/entity/id/:entityId/permission/:permissionId', {
    schema: schema('The acceptance state of a permission of an entity; 404.1 no entity, 404.5 no permission', params.entityById),
    preHandler,
  }, async (request) => {
    const { entityId, permissionId } = request.params;
    return answer({ entityId }, entityId, permissionId);
  });

  app.get('/permissions/entity/ext-key/:extKey/:extType/permission/:permissionId', {
    schema: schema('The acceptance state of a permission of the entity holding an external key; 404.2 no such key, 404.5 no permission', params.entityByKey),
    preHandler,
  }, async (request) => {
    const { extKey, extType, permissionId } = request.params;
    return answer({ extKey, extType }, await deps.store.entityIdOfKey(extType, extKey), permissionId);
  });
};
