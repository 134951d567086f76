// The commands the benchmark sends, built from a compact description main.ts passes to the load
// generator: which type, which ids. Every id carries the run's tag, so runs never meet.

/** What a backlog or an open-loop phase sends; `from`/`count` pick ids in a numbered range. */
export type CommandSpec =
  | { readonly type: 'CreateConsent'; readonly prefix: string; readonly from: number; readonly count: number }
  | { readonly type: 'UpdateConsent'; readonly prefix: string; readonly from: number; readonly count: number; readonly consentVersion: number; readonly idSuffix?: string }
  | { readonly type: 'RegisterEntity'; readonly prefix: string; readonly from: number; readonly count: number; readonly contractId: string }
  | { readonly type: 'AcceptPermission'; readonly prefix: string; readonly from: number; readonly count: number; readonly permissionId: string; readonly sourceId: string }
  | { readonly type: 'Reference'; readonly permissionIds: readonly string[]; readonly sourceId: string; readonly contractId: string };

export interface OutgoingCommand {
  readonly family: 'consent' | 'permission';
  readonly type: string;
  readonly key: string;
  readonly payload: Record<string, unknown>;
}

const DAY_MS = 86_400_000;

/** A consent's id and the userId it is created with (an update must name the same user). */
export const consentIdOf = (prefix: string, i: number, idSuffix = ''): string => `${prefix}-${i}${idSuffix}`;
const userOf = (consentId: string): string => `user-${consentId}`;

function createConsent(consentId: string, now: number): OutgoingCommand {
  return {
    family: 'consent', type: 'CreateConsent', key: consentId,
    payload: {
      consentId, serviceId: 'svc-bench', userId: userOf(consentId), status: 'ACTIVE', consentType: 'marketing',
      // An expiry a month away: the write feeds the expiry schedule as real consents do, and
      // nothing falls due during the run.
      consentData: { channel: 'email' }, expiryTime: new Date(now + 30 * DAY_MS).toISOString(),
    },
  };
}

function updateConsent(consentId: string, consentVersion: number): OutgoingCommand {
  return {
    family: 'consent', type: 'UpdateConsent', key: consentId,
    payload: {
      consentId, serviceId: 'svc-bench', userId: userOf(consentId), consentVersion, status: 'ACTIVE',
      consentType: 'marketing', consentData: { channel: consentVersion % 2 === 0 ? 'sms' : 'email' }, expiryTime: null,
    },
  };
}

const byEntityId = (entityId: string) => ({ entityId, extKey: null, extType: null });

/** Expands a spec into the commands it stands for, in sending order. */
export function commandsOf(spec: CommandSpec, now: number): OutgoingCommand[] {
  if (spec.type === 'Reference') {
    return [
      ...spec.permissionIds.map((permissionId): OutgoingCommand => ({
        family: 'permission', type: 'DefinePermission', key: permissionId, payload: { permissionId, name: `Bench ${permissionId}`, active: true },
      })),
      { family: 'permission', type: 'RegisterSource', key: spec.sourceId, payload: { sourceId: spec.sourceId, name: 'Bench source', active: true } },
      {
        family: 'permission', type: 'DefineContract', key: spec.contractId,
        payload: { contractId: spec.contractId, allowedPermissionIds: [...spec.permissionIds], allowedSourceIds: [spec.sourceId] },
      },
    ];
  }
  const ids = Array.from({ length: spec.count }, (_, k) => spec.from + k);
  switch (spec.type) {
    case 'CreateConsent': return ids.map((i) => createConsent(consentIdOf(spec.prefix, i), now));
    case 'UpdateConsent': return ids.map((i) => updateConsent(consentIdOf(spec.prefix, i, spec.idSuffix), spec.consentVersion));
    case 'RegisterEntity': return ids.map((i): OutgoingCommand => {
      const entityId = `${spec.prefix}-${i}`;
      return { family: 'permission', type: 'RegisterEntity', key: entityId, payload: { entityId, externalKeys: [], contractId: spec.contractId } };
    });
    case 'AcceptPermission': return ids.map((i): OutgoingCommand => {
      const entityId = `${spec.prefix}-${i}`;
      return {
        family: 'permission', type: 'AcceptPermission', key: entityId,
        payload: { entity: byEntityId(entityId), permissionId: spec.permissionId, sourceId: spec.sourceId, termsId: null, data: null },
      };
    });
  }
}

/** Interleaves lists one by one (a 50/50 mix keeps both types spread over the whole backlog). */
export function interleave<T>(...lists: readonly (readonly T[])[]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...lists.map((list) => list.length));
  for (let i = 0; i < longest; i++) for (const list of lists) if (i < list.length) out.push(list[i] as T);
  return out;
}
