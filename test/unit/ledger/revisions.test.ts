// The consent ledger's pure parts: each change's revision (content, changed fields, actor, proof),
// the hash chain that links them, and the verification that names the first broken link.
import { describe, expect, it } from 'vitest';
import type { Consent } from '../../../src/domain/consent/consent.ts';
import { decideConsent, NO_RATE_CONTEXT } from '../../../src/domain/consent/decide.ts';
import type { ConsentRevision } from '../../../src/domain/consent/revision.ts';
import { canonicalJson, chainHash, GENESIS_HASH } from '../../../src/domain/ledger/hash-chain.ts';
import { verifyChain } from '../../../src/domain/ledger/verify-chain.ts';
import { envelope, handle, NOW, ORG_OWNER, orgConsent, SERVICE, USER, userConsent } from '../consent/fixtures.ts';

const PROOF = {
  noticeId: 'notice-marketing', noticeVersion: '2026-11', textSha256: 'a'.repeat(64), method: 'WEB_FORM',
  locale: 'pt-BR', collectedAt: '2030-01-01T13:00:00+01:00', artifactUri: 's3://proofs/form-1.pdf',
};

function revisionOf(decision: ReturnType<typeof handle>): ConsentRevision {
  if (decision.kind !== 'change' || !decision.revision) throw new Error(`expected a change with a revision, got ${decision.statusCode}`);
  return decision.revision as ConsentRevision;
}

function aggregateOf(decision: ReturnType<typeof handle>): Consent {
  if (decision.kind !== 'change') throw new Error('expected a change');
  return decision.aggregate;
}

const create = (extra: Record<string, unknown> = {}, actor = ORG_OWNER) => envelope('CreateConsent', {
  consentId: 'consent-led-1', serviceId: SERVICE, userId: USER, status: 'ACTIVE', consentType: 'marketing', consentData: { channel: 'sms' }, ...extra,
}, { commandId: 'cmd-led-1', actor: { ...actor, email: 'owner@acme.example' } as never });

/** A chain of three revisions of one consent: created, updated, revoked. */
function chain(): { revisions: ConsentRevision[]; consent: Consent } {
  const first = handle(create(), null);
  const second = handle(envelope('UpdateConsent', { consentId: 'consent-led-1', serviceId: SERVICE, userId: USER, consentVersion: 2, consentData: { channel: 'email' } }, { commandId: 'cmd-led-2' }), aggregateOf(first));
  const third = handle(envelope('UpdateConsent', { consentId: 'consent-led-1', serviceId: SERVICE, userId: USER, consentVersion: 3, status: 'REVOKED' }, { commandId: 'cmd-led-3' }), aggregateOf(second));
  return { revisions: [first, second, third].map(revisionOf), consent: aggregateOf(third) };
}

const stored = (revisions: readonly ConsentRevision[]) => revisions.map((r) => ({ _id: r.revisionId, ...structuredClone(r) }) as Record<string, unknown>);
const tailOf = (consent: Consent) => ({ version: consent.version, lastRevisionHash: consent.lastRevisionHash ?? null });

describe('a consent change\'s revision', () => {
  it('records the change: id, number, time, cause, actor without email, full state and proof', () => {
    const revision = revisionOf(handle(create({ proof: PROOF }), null));
    expect(revision).toMatchObject({
      revisionId: 'consent-led-1:1', consentId: 'consent-led-1', revision: 1, at: NOW.toISOString(), changeType: 'ConsentCreated',
      causationId: 'cmd-led-1', actor: { userId: ORG_OWNER.userId, orgId: ORG_OWNER.orgId, roles: ORG_OWNER.roles },
      state: { consentId: 'consent-led-1', version: 1, status: 'ACTIVE', consentData: { channel: 'sms' } },
      proof: PROOF, previousHash: GENESIS_HASH,
    });
    expect(JSON.stringify(revision)).not.toContain('owner@acme.example');
    expect(revision.state).not.toHaveProperty('lastRevisionHash');
  });

  it('lists the fields a creation set, and only the fields an update changed', () => {
    const { revisions } = chain();
    expect(revisions.map((r) => r.changedFields)).toEqual([
      ['consentData', 'consentId', 'consentType', 'createdAt', 'kind', 'serviceId', 'status', 'userId'],
      ['consentData'],
      ['status'],
    ]);
  });

  it('hashes previousHash and the RFC 8785 form of the content, and leaves the hash on the consent and its event', () => {
    const decision = handle(create(), null);
    const revision = revisionOf(decision);
    const { previousHash, hash, ...content } = revision;
    expect(hash).toBe(chainHash(previousHash, content));
    expect(aggregateOf(decision).lastRevisionHash).toBe(hash);
    expect(decision.kind === 'change' && decision.events[0]?.revisionHash).toBe(hash);
  });

  it('chains each revision to the one before through the consent\'s lastRevisionHash', () => {
    const { revisions } = chain();
    expect(revisions.map((r) => r.previousHash)).toEqual([GENESIS_HASH, revisions[0]?.hash, revisions[1]?.hash]);
  });

  it('starts the chain with 64 zeros on a consent stored before the ledger', () => {
    const revision = revisionOf(handle(envelope('DecideOrgConsent', { orgId: 'org-acme', consentId: 'consent-org-1', action: 'APPROVE' }, { actor: ORG_OWNER }), orgConsent()));
    expect(revision).toMatchObject({ revision: 2, previousHash: GENESIS_HASH, changedFields: ['decidedBy', 'status'] });
  });

  it('is the sweep\'s, with no actor, when a consent expires', () => {
    const stored = userConsent({ version: 3, expiryTime: '2029-12-31T12:00:00.000Z' });
    const decision = decideConsent({ type: 'ExpireConsent', commandId: 'expiry-sweep:sweeper-1', consentId: stored.consentId }, stored, NO_RATE_CONTEXT, NOW);
    expect(revisionOf(decision)).toMatchObject({ revision: 4, changeType: 'ConsentExpired', causationId: 'expiry-sweep:sweeper-1', actor: null, changedFields: ['status'], proof: null });
  });
});

describe('RFC 8785 canonical form', () => {
  it('sorts keys and writes numbers in their shortest ECMAScript form', () => {
    expect(canonicalJson({ b: [1.0, 'x', null], a: { d: 1e21, c: 0.1 } })).toBe('{"a":{"c":0.1,"d":1e+21},"b":[1,"x",null]}');
  });
});

describe('verifying a chain', () => {
  it('accepts an intact chain that ends at the consent\'s version and lastRevisionHash', () => {
    const { revisions, consent } = chain();
    expect(verifyChain('consent-led-1', stored(revisions), tailOf(consent)).firstBreak).toBeNull();
  });

  it('names an edited revision', () => {
    const { revisions, consent } = chain();
    const docs = stored(revisions);
    (docs[1]!['state'] as Record<string, unknown>)['consentData'] = { channel: 'post' };
    expect(verifyChain('consent-led-1', docs, tailOf(consent)).firstBreak).toMatchObject({ revision: 2, problem: expect.stringContaining('altered') });
  });

  it('names a revision edited with its hash recomputed, at the link after it', () => {
    const { revisions, consent } = chain();
    const docs = stored(revisions);
    const edited: Record<string, unknown> = { ...docs[1]!, causationId: 'cmd-forged' };
    const { previousHash, hash: _h, _id, ...content } = edited;
    docs[1] = { ...edited, hash: chainHash(String(previousHash), content) };
    expect(verifyChain('consent-led-1', docs, tailOf(consent)).firstBreak).toMatchObject({ revision: 3, problem: expect.stringContaining('does not link') });
  });

  it('names a deleted middle revision', () => {
    const { revisions, consent } = chain();
    const docs = stored(revisions).filter((_, i) => i !== 1);
    expect(verifyChain('consent-led-1', docs, tailOf(consent)).firstBreak).toMatchObject({ revision: 2, problem: expect.stringContaining('missing') });
  });

  it('names a deleted first revision', () => {
    const { revisions, consent } = chain();
    expect(verifyChain('consent-led-1', stored(revisions).slice(1), tailOf(consent)).firstBreak).toMatchObject({ revision: 1 });
  });

  it('names a deleted last revision from the consent document\'s version', () => {
    const { revisions, consent } = chain();
    expect(verifyChain('consent-led-1', stored(revisions).slice(0, 2), tailOf(consent)).firstBreak)
      .toMatchObject({ revision: 3, problem: expect.stringContaining('missing') });
  });

  it('names two revisions swapped', () => {
    const { revisions, consent } = chain();
    const docs = stored(revisions);
    const [a, b] = [docs[1]!, docs[2]!];
    docs[1] = { ...a, revision: 3, revisionId: 'consent-led-1:3' };
    docs[2] = { ...b, revision: 2, revisionId: 'consent-led-1:2' };
    const sorted = [...docs].sort((x, y) => Number(x['revision']) - Number(y['revision']));
    expect(verifyChain('consent-led-1', sorted, tailOf(consent)).firstBreak).toMatchObject({ revision: 2 });
  });

  it('names revisions left when the consent document is gone', () => {
    const { revisions } = chain();
    expect(verifyChain('consent-led-1', stored(revisions), null).firstBreak).toMatchObject({ problem: expect.stringContaining('document is missing') });
  });
});
