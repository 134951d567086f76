// Topic names derived from the configured ones, below every layer that names them (the worker
// creates and writes them, the secure stack's ACLs grant them, AsyncAPI documents them).

/**
 * ServicePolicySet events: beside the consent events topic, not on it, because their state is a
 * policy, not a consent, and a second record type in consent.events.v1's `state` would break
 * every consumer decoding that topic with its own reader schema (docs/policy-and-reminders.md).
 */
export function policyEventsTopicOf(consentEventsTopic: string): string {
  return `${consentEventsTopic}.policies`;
}
