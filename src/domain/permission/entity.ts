// The entity aggregate: one document per entity, holding every permission it has accepted.
// Records are an array keyed by permissionId, never an object keyed by it: identifiers may
// contain '.', which MongoDB would read as a path.

export interface ExternalKey {
  readonly extKey: string;
  readonly extType: string;
}

export interface Acceptance {
  readonly timestamp: string;
  readonly sourceId: string;
  readonly termsId: string | null;
  readonly data: Readonly<Record<string, string>>;
}

export interface Withdrawal {
  readonly timestamp: string;
  readonly sourceId: string;
  readonly reason: string | null;
}

/** One earlier acceptance of a permission and its withdrawal, kept when the permission is accepted again. */
export interface HistoryEntry {
  readonly acceptance: Acceptance;
  /** Null only for an acceptance replaced without a withdrawal, which no current rule produces. */
  readonly withdrawal: Withdrawal | null;
}

export interface PermissionRecord {
  readonly permissionId: string;
  readonly isActive: boolean;
  readonly isWithdrawn: boolean;
  readonly acceptance: Acceptance;
  readonly withdrawal: Withdrawal | null;
  /** Oldest first; at most HISTORY_LIMIT entries. */
  readonly history: readonly HistoryEntry[];
}

export interface Entity {
  readonly entityId: string;
  readonly version: number;
  readonly externalKeys: readonly ExternalKey[];
  /** The contract that decides what the entity may accept; null allows nothing. */
  readonly contractId: string | null;
  readonly permissions: readonly PermissionRecord[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * How many earlier acceptance/withdrawal cycles a record keeps (the oldest are dropped).
 * An entity is one MongoDB document (16 MB at most) that is rewritten on every change, so an
 * entity that accepts and withdraws the same permission forever must not grow without bound;
 * the complete trail is the PermissionAccepted/PermissionWithdrawn events on the topic.
 */
export const HISTORY_LIMIT = 20;

export function findRecord(entity: Entity, permissionId: string): PermissionRecord | null {
  return entity.permissions.find((r) => r.permissionId === permissionId) ?? null;
}

/** Accepted and not withdrawn: what 303 and a termsId check look for. */
export function holdsActive(entity: Entity, permissionId: string): boolean {
  const record = findRecord(entity, permissionId);
  return record !== null && record.isActive && !record.isWithdrawn;
}

/** The entity's records with `record` in place of the one for the same permission, or appended. */
export function withRecord(entity: Entity, record: PermissionRecord): readonly PermissionRecord[] {
  const at = entity.permissions.findIndex((r) => r.permissionId === record.permissionId);
  return at === -1
    ? [...entity.permissions, record]
    : entity.permissions.map((r, i) => (i === at ? record : r));
}
