// A chunk goes through the pipeline as one batch, in rounds. Whatever a chunk mixes (many keys,
// several commands of one key, copies of a commandId, a commandId reused for another payload,
// invalid commands, undecodable bytes), the batch must answer, publish and store exactly what
// processing the same commands one at a time does. The same commands go to two workers: one
// with COMMIT_EVERY=1 (every chunk a single command), one with COMMIT_EVERY=256.
import { randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/worker-harness.ts';

interface Planned {
  readonly type: string;
  readonly key: string;
  readonly commandId: string;
  readonly payload: Record<string, unknown>;
}

const run = randomUUID().slice(0, 8);
const KEYS = 40;

const create = (consentId: string, more: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ consentId, serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE', consentData: { channel: 'email' }, ...more });
const update = (consentId: string, consentVersion: number, more: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ consentId, serviceId: 'svc-mail', userId: 'user-1', consentVersion, ...more });

/** Each key's commands in order; keys interleaved round-robin, so a chunk holds many keys and repeats. */
function plan(): { commands: Planned[]; copies: Set<number> } {
  const perKey: Planned[][] = [];
  for (let k = 0; k < KEYS; k++) {
    const consentId = `eq-${run}-${k}`;
    const id = (n: number): string => `cmd-eq-${run}-${k}-${n}`;
    const own: Planned[] = [];
    const add = (type: string, payload: Record<string, unknown>, commandId = id(own.length)): void => {
      own.push({ type, key: consentId, commandId, payload });
    };
    if (k % 7 === 3) add('UpdateConsent', update(consentId, 2)); // before its create: 404
    add('CreateConsent', create(consentId));
    if (k % 2 === 0) add('UpdateConsent', update(consentId, 2, { consentType: 'marketing' }));
    if (k % 4 === 0) add('UpdateConsent', update(consentId, 2, { consentType: 'stale' })); // 409
    if (k % 3 === 0) add('CreateConsent', create(consentId, { userId: 'user-2' })); // taken: 409
    if (k % 5 === 0) add('CreateConsent', create(consentId), id(1)); // a copy of the create's commandId, same payload: replay
    if (k % 5 === 1) add('UpdateConsent', update(consentId, 2, { status: 'REVOKED' }), id(0)); // reused for another payload: 409 COMMAND_ID_REUSED
    if (k % 6 === 2) add('CreateConsent', create(`${consentId}-bad`, { serviceId: 'svc mail!' }), id(own.length)); // 400
    if (k % 8 === 1) add('UpdateConsent', update(consentId, 1)); // consentVersion 1: refused
    if (k % 2 === 0) add('UpdateConsent', update(consentId, 3, { status: 'REVOKED' }));
    perKey.push(own);
  }
  const commands: Planned[] = [];
  for (let i = 0; perKey.some((own) => own[i]); i++) for (const own of perKey) if (own[i]) commands.push(own[i] as Planned);
  // Two undecodable messages, for the DLQ, at fixed places.
  return { commands, copies: new Set([5, 50]) };
}

interface Observed {
  readonly results: Record<string, unknown[]>;
  readonly events: Record<string, unknown[]>;
  readonly stored: unknown[];
  readonly dlq: number;
}

/**
 * Times, requestIds and messages that quote them differ between two runs, and so do revision
 * hashes (a revision's time is in what it hashes); everything else must not.
 */
const HASHES = new Set(['revisionHash', 'lastRevisionHash']);

function normalise(value: unknown): unknown {
  if (typeof value === 'string') {
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return '<time>';
    return value.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>');
  }
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'requestId' ? '<id>' : HASHES.has(k) ? '<hash>' : normalise(v)]));
  }
  return value instanceof Date ? '<time>' : value;
}

async function runThrough(commitEvery: string): Promise<Observed> {
  const { commands, copies } = plan();
  const h: Harness = await startHarness({ COMMIT_EVERY: commitEvery, SWEEP_ENABLED: 'false' });
  try {
    const topic = h.topics.consentCommands;
    const messages: { key: string; value: Buffer }[] = [];
    for (const [i, c] of commands.entries()) {
      if (copies.has(i)) messages.push({ key: c.key, value: randomBytes(24) });
      const { value } = await h.producer.encode(topic, c.type, c.payload, { commandId: c.commandId, correlationId: `corr-${c.commandId}` });
      messages.push({ key: c.key, value });
    }
    await h.producer.sendRawMany(topic, messages);

    const expected = new Set(commands.map((c) => c.commandId));
    await h.collector.waitFor((all) => {
      const results = all.filter((r) => r.topic === h.topics.consentResults);
      const answered = new Set(results.map((r) => r.key));
      return results.length >= commands.length && [...expected].every((id) => answered.has(id)) ? true : undefined;
    }, `a result for each of ${expected.size} commandIds`, 90_000);
    await h.collector.waitFor((all) => (all.filter((r) => r.topic === `${topic}.dlq`).length >= copies.size ? true : undefined), 'the DLQ copies');
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // anything extra would show by now

    const results: Record<string, unknown[]> = {};
    const events: Record<string, unknown[]> = {};
    for (const r of h.collector.received) {
      if (r.topic === h.topics.consentResults) (results[r.key] ??= []).push(normalise(r.value));
      if (r.topic === h.topics.consentEvents) (events[r.key] ??= []).push(normalise(r.value));
    }
    const docs = await h.mongo.db(h.config.mongodbDatabase).collection('consents').find({}).sort({ _id: 1 }).toArray();
    const stored = docs.map(({ _id, version, state, appliedCommandIds }) => normalise({ _id, version, state, appliedCommandIds }));
    return { results, events, stored, dlq: h.collector.received.filter((r) => r.topic === `${topic}.dlq`).length };
  } finally {
    await h.stop();
  }
}

let oneAtATime: Observed;
let batched: Observed;
beforeAll(async () => {
  oneAtATime = await runThrough('1');
  batched = await runThrough('256');
}, 240_000);

describe('a chunk applied as one batch', () => {
  it('answers every command as one-at-a-time processing does, one result each', () => {
    const { commands } = plan();
    expect(Object.keys(oneAtATime.results).length).toBeGreaterThan(KEYS);
    expect(batched.results).toEqual(oneAtATime.results);
    // Sanity of the plan itself: each code it means to provoke is there.
    const codes = new Set(Object.values(batched.results).flat().map((r) => `${(r as Record<string, unknown>)['statusCode']}:${(r as Record<string, unknown>)['errorCode']}`));
    for (const code of ['201:null', '200:null', '404:CONSENT_NOT_FOUND', '409:VERSION_CONFLICT', '409:CONSENT_ID_TAKEN', '409:COMMAND_ID_REUSED', '400:VALIDATION_FAILED']) {
      expect(codes).toContain(code);
    }
    expect(Object.values(batched.results).flat()).toHaveLength(commands.length);
  });

  it('publishes the same events, in the same order per consent', () => {
    expect(batched.events).toEqual(oneAtATime.events);
    for (const list of Object.values(batched.events)) {
      expect(list.map((e) => (e as { version: number }).version)).toEqual(list.map((_, i) => i + 1));
    }
  });

  it('stores the same consents, and sends the same undecodable messages to the DLQ', () => {
    expect(batched.stored).toEqual(oneAtATime.stored);
    expect(batched.dlq).toBe(2);
    expect(oneAtATime.dlq).toBe(2);
  });
});
