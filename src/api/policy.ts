// Who may read what. A 403 names no data: the caller learns only that the route is not theirs.
import type { Caller } from './auth.ts';

/** An org's consents: its org_owner or org_admin, and only of that org. */
export function mayReadOrg(caller: Caller, orgId: string): boolean {
  return caller.orgId === orgId && (caller.roles.includes('org_owner') || caller.roles.includes('org_admin'));
}

/** A user's consents with a service: the user themself, or that service (role service, its serviceId). */
export function mayReadUser(caller: Caller, serviceId: string, userId: string): boolean {
  return (caller.roles.includes('user') && caller.userId === userId)
    || (caller.roles.includes('service') && caller.serviceId === serviceId);
}

/** Permission acceptances: producer services (role service). */
export function mayReadPermissions(caller: Caller): boolean {
  return caller.roles.includes('service');
}

/**
 * A user's receipt, across every service: the user themself only. No service sees another
 * service's consents, and the token model has no auditor role; an operator runs
 * `consent-worker receipt --user U` instead (docs/receipt.md).
 */
export function mayReadReceipt(caller: Caller, userId: string): boolean {
  return caller.roles.includes('user') && caller.userId === userId;
}
