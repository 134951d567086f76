// A service's consent policy: the lifetime a consent created without expiryTime gets, and how long
// before a consent's expiry the person is reminded to renew (ConsentExpiringSoon). One aggregate
// per serviceId in its own collection, versioned and written through the pipeline like any other.

export interface ServicePolicy {
  readonly serviceId: string;
  readonly version: number;
  /** Lifetime of a consent created ACTIVE without expiryTime; null: such a consent never expires. */
  readonly defaultLifetimeMs: number | null;
  /** How long before expiry ConsentExpiringSoon is published; null: no reminders. */
  readonly reminderLeadMs: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The expiry a new ACTIVE consent without its own expiryTime gets under the policy, or null. */
export function defaultExpiry(policy: ServicePolicy | null, now: Date): Date | null {
  return policy?.defaultLifetimeMs == null ? null : new Date(now.getTime() + policy.defaultLifetimeMs);
}

/**
 * When to remind the person of an expiry, or null when the policy sends no reminders. A lead
 * longer than what is left of the consent gives a moment already past: the reminder then goes at
 * once (the person still has until the expiry to renew).
 */
export function reminderTime(policy: ServicePolicy | null, expiry: Date | null): Date | null {
  if (expiry === null || policy?.reminderLeadMs == null) return null;
  return new Date(expiry.getTime() - policy.reminderLeadMs);
}
