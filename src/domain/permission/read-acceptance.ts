// The acceptance state of one permission of an entity, as the read API answers it, with the
// commands' codes: 404.1 no entity with that id, 404.2 no entity with that external key,
// 404.5 no such permission defined, 404 NOT_ACCEPTED the entity never accepted it.
import { reject, type Rejection } from '../status.ts';
import { entityKeyOf, type EntityRef } from './commands.ts';
import type { Entity } from './entity.ts';
import type { PermissionDef } from './reference.ts';
import { permissionStateOf, type PermissionState } from './view.ts';

export function readAcceptance(
  ref: EntityRef,
  entity: Entity | null,
  permission: PermissionDef | null,
  permissionId: string,
): PermissionState | Rejection {
  const addressed = entity !== null && ('entityId' in ref
    ? entity.entityId === ref.entityId
    : entity.externalKeys.some((k) => k.extKey === ref.extKey && k.extType === ref.extType));
  if (!addressed) {
    return 'entityId' in ref
      ? reject('404.1', 'ENTITY_NOT_FOUND', `no entity ${ref.entityId}`)
      : reject('404.2', 'EXTERNAL_REF_NOT_FOUND', `no entity with external key ${entityKeyOf(ref)}`);
  }
  if (permission === null || permission.permissionId !== permissionId) {
    return reject('404.5', 'PERMISSION_NOT_FOUND', `no permission ${permissionId}`);
  }
  return permissionStateOf(entity, permissionId)
    ?? reject('404', 'NOT_ACCEPTED', `the entity has not accepted permission ${permissionId}`);
}
