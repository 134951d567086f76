// The MongoDB collections the families write and the read side (read API, CLI, tools) reads. The
// names live here, below every layer that names them and importing nothing, so a reader of a
// collection need not import the family that writes it (docs/architecture.md).

/** Consents, one document per consentId (the consent family). */
export const CONSENTS = 'consents';

/** The consent ledger: one immutable revision per consent change, `_id` = revisionId (docs/ledger.md). */
export const CONSENT_REVISIONS = 'consent_revisions';

/** Each service's consent policy (default lifetime, reminder lead), one document per serviceId (the consent family). */
export const SERVICE_POLICIES = 'service_policies';

/** The permission family's aggregates, one collection per kind. */
export const PERMISSION_COLLECTIONS = {
  entity: 'entities',
  permission: 'permission_defs',
  source: 'sources',
  contract: 'contracts',
} as const;
