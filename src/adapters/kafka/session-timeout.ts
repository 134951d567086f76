// The consumer group session the worker asks for, and what it falls back to when the broker
// refuses it. The default (3 s) keeps a killed replica's partitions waiting under 5 s, but a stock
// broker refuses any session under its group.min.session.timeout.ms (6 s by default): there the
// worker takes the broker's floor rather than staying out of the group.
import type { Admin } from 'kafkajs';

/** kafkajs's ConfigResourceTypes.BROKER: a named import of the enum fails under Node's ESM loader (kafkajs is CommonJS). */
const BROKER_RESOURCE = 4;

/** Kafka's default group.min.session.timeout.ms: the floor to try when the broker's own cannot be read. */
export const STOCK_MIN_SESSION_TIMEOUT_MS = 6_000;

export interface SessionRange {
  readonly minMs: number;
  readonly maxMs: number;
}

/** The broker's answer to a session timeout outside its group.min/max.session.timeout.ms. */
export function isInvalidSessionTimeout(error: unknown): boolean {
  for (let e = error as { type?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (e.type === 'INVALID_SESSION_TIMEOUT') return true;
  }
  return false;
}

/**
 * The session to join with after `refusedMs` was refused: the nearest within the broker's range,
 * or, when the range could not be read (an ACL without DescribeConfigs), a stock broker's floor
 * if the refused one was under it. Null: nothing better to try.
 */
export function sessionAfterRefusal(refusedMs: number, range: SessionRange | null): number | null {
  const next = range
    ? Math.min(Math.max(refusedMs, range.minMs), range.maxMs)
    : Math.max(refusedMs, STOCK_MIN_SESSION_TIMEOUT_MS);
  return next === refusedMs ? null : next;
}

/** The group coordinator's group.min/max.session.timeout.ms, or null when the broker will not say. */
export async function brokerSessionRange(admin: Admin): Promise<SessionRange | null> {
  try {
    const { brokers } = await admin.describeCluster();
    const broker = brokers[0];
    if (!broker) return null;
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: BROKER_RESOURCE, name: String(broker.nodeId), configNames: ['group.min.session.timeout.ms', 'group.max.session.timeout.ms'] }],
    });
    const entries = resources[0]?.configEntries ?? [];
    const value = (name: string) => Number(entries.find((e) => e.configName === name)?.configValue);
    const range = { minMs: value('group.min.session.timeout.ms'), maxMs: value('group.max.session.timeout.ms') };
    return Number.isInteger(range.minMs) && Number.isInteger(range.maxMs) ? range : null;
  } catch {
    return null;
  }
}
