// The receipt for a data subject, built and verified without a server: what it holds, the 413 cap,
// and that every edit of a receipt (a state, a proof, a dropped or reordered revision, a consent
// added or taken out, the digest) is caught and named, even when the editor recomputes the digest.
import { describe, expect, it } from 'vitest';
import type { Consent } from '../../../src/domain/consent/consent.ts';
import type { ConsentRevision } from '../../../src/domain/consent/revision.ts';
import { buildReceipt, receiptDigest, RECEIPT_MAX_CONSENTS, type HeldConsent, type Receipt } from '../../../src/domain/ledger/receipt.ts';
import { verifyReceipt } from '../../../src/domain/ledger/verify-receipt.ts';
import { isRejection } from '../../../src/domain/status.ts';
import { envelope, handle, NOW, SERVICE, USER } from '../consent/fixtures.ts';

const PROOF = {
  noticeId: 'notice-marketing', noticeVersion: '2026-11', textSha256: 'b'.repeat(64), method: 'WEB_FORM',
  locale: 'en', collectedAt: '2030-01-01T13:00:00Z', artifactUri: null,
};

function step(decision: ReturnType<typeof handle>): { consent: Consent; revision: ConsentRevision } {
  if (decision.kind !== 'change' || !decision.revision) throw new Error(`expected a change, got ${decision.statusCode}`);
  return { consent: decision.aggregate, revision: decision.revision as ConsentRevision };
}

/** A USER consent created with proof and updated twice (three revisions), optionally expiring. */
function held(consentId: string, expiryTime: string | null = null): HeldConsent {
  const first = step(handle(envelope('CreateConsent', { consentId, serviceId: SERVICE, userId: USER, status: 'ACTIVE', consentData: { n: '1' }, expiryTime, proof: PROOF }), null));
  const second = step(handle(envelope('UpdateConsent', { consentId, serviceId: SERVICE, userId: USER, consentVersion: 2, consentData: { n: '2' } }), first.consent));
  const third = step(handle(envelope('UpdateConsent', { consentId, serviceId: SERVICE, userId: USER, consentVersion: 3, consentData: { n: '3' } }), second.consent));
  return { consent: third.consent, revisions: [first.revision, second.revision, third.revision] };
}

const ISSUER = { software: 'consent-worker', softwareVersion: '0.0.0-test' };

function receiptOf(heldConsents: HeldConsent[], generatedAt = NOW): Receipt {
  const built = buildReceipt({ receiptId: 'r-1', principalId: USER, generatedAt, issuer: ISSUER, held: heldConsents });
  if (isRejection(built)) throw new Error(built.message);
  return built;
}

/** A copy edited by `edit`, with the digest recomputed when `redigest` (an editor who knows the procedure). */
function edited(receipt: Receipt, edit: (r: { consents: { revisions: Record<string, unknown>[]; current: Record<string, unknown>; chainHead: Record<string, unknown> }[] } & Record<string, unknown>) => void, redigest = true): unknown {
  const copy = structuredClone(receipt) as never as Parameters<typeof edit>[0];
  edit(copy);
  if (redigest) (copy['digest'] as { value: string }).value = receiptDigest(copy);
  return copy;
}

const problemsOf = (receipt: unknown): string[] => verifyReceipt(receipt).problems.map((p) => `${p.consentId ?? 'receipt'}@${p.revision ?? '-'}: ${p.problem}`);

describe('the receipt for a data subject', () => {
  it('holds each consent\'s current state and whole chain with proof, totals, and a digest that verifies', () => {
    const receipt = receiptOf([held('consent-b'), held('consent-a')]);
    expect(receipt).toMatchObject({
      schemaVersion: 'consent-worker-receipt/1', receiptId: 'r-1', generatedAt: NOW.toISOString(), issuer: ISSUER,
      piiPrincipalId: USER, totals: { consents: 2, revisions: 6 }, digest: { algorithm: 'SHA-256', canonicalization: 'RFC 8785' },
    });
    expect(receipt.consents.map((c) => c.consentId)).toEqual(['consent-a', 'consent-b']);
    expect(receipt.consents[0]).toMatchObject({ kind: 'USER', expiredAtRead: false, current: { status: 'ACTIVE', version: 3, consentData: { n: '3' } }, chainHead: { version: 3 } });
    expect(receipt.consents[0]?.revisions[0]?.proof).toEqual(PROOF);
    expect(verifyReceipt(receipt)).toEqual({ consents: 2, revisions: 6, problems: [] });
  });

  it('applies read-time expiry to the current state only, and still verifies', () => {
    const lapsed = held('consent-x', new Date(NOW.getTime() + 1_000).toISOString());
    const receipt = receiptOf([lapsed], new Date(NOW.getTime() + 2_000));
    expect(receipt.consents[0]).toMatchObject({ expiredAtRead: true, current: { status: 'EXPIRED' } });
    expect(receipt.consents[0]?.revisions.at(-1)?.state.status).toBe('ACTIVE');
    expect(problemsOf(receipt)).toEqual([]);
  });

  it('refuses with 413 when more consents are held than a receipt carries, rather than cutting it short', () => {
    const one = held('consent-a');
    const built = buildReceipt({ receiptId: 'r', principalId: USER, generatedAt: NOW, issuer: ISSUER, held: Array.from({ length: RECEIPT_MAX_CONSENTS + 1 }, () => one) });
    expect(isRejection(built) && built).toMatchObject({ statusCode: '413', errorCode: 'RECEIPT_TOO_LARGE' });
  });

  it('refuses with 413 when the store found more than the bounds allow (and so read no revisions)', () => {
    const built = buildReceipt({ receiptId: 'r', principalId: USER, generatedAt: NOW, issuer: ISSUER, held: null });
    expect(isRejection(built) && built).toMatchObject({ statusCode: '413', errorCode: 'RECEIPT_TOO_LARGE' });
  });
});

describe('verifying a receipt offline', () => {
  const receipt = receiptOf([held('consent-a'), held('consent-b')]);

  it.each<[string, Parameters<typeof edited>[1], string]>([
    ['an edited revision state', (r) => { (r.consents[0]!.revisions[1]!['state'] as Record<string, unknown>)['status'] = 'REVOKED'; }, 'consent-a@2: revision 2 was altered'],
    ['an edited proof', (r) => { (r.consents[1]!.revisions[0]!['proof'] as Record<string, unknown>)['noticeVersion'] = '2020-01'; }, 'consent-b@1: revision 1 was altered'],
    ['a dropped middle revision', (r) => { r.consents[0]!.revisions.splice(1, 1); r['totals'] = { consents: 2, revisions: 5 }; }, 'consent-a@2: revision 2 is missing'],
    ['a dropped last revision', (r) => { r.consents[0]!.revisions.pop(); r['totals'] = { consents: 2, revisions: 5 }; }, 'consent-a@3: revision 3 is missing'],
    ['a dropped first revision', (r) => { r.consents[1]!.revisions.shift(); r['totals'] = { consents: 2, revisions: 5 }; }, 'consent-b@1: the chain\'s first stored revision (2) links to an earlier one that is missing'],
    ['two revisions swapped', (r) => { const [a, b] = r.consents[0]!.revisions; r.consents[0]!.revisions[0] = b!; r.consents[0]!.revisions[1] = a!; }, 'consent-a@1: the chain\'s first stored revision (2) links'],
    ['a current state withdrawal undone', (r) => { r.consents[0]!.current['consentData'] = { n: '1' }; }, 'consent-a@3: the consent document\'s state differs'],
    ['a consent taken out', (r) => { r.consents.pop(); }, 'receipt@-: totals.consents says 2, the receipt holds 1'],
    ['another subject\'s consent slipped in', (r) => { r.consents[1]!.current['userId'] = 'someone-else'; }, 'consent-b@-: the consent is not the receipt subject\'s'],
    ['an expiry hidden as ACTIVE', (r) => { r.consents[0]!.current['expiryTime'] = '2000-01-01T00:00:00.000Z'; }, 'consent-a@-: the current state reads ACTIVE although its expiry passed'],
  ])('names %s at its first broken link, even with the digest recomputed', (_name, edit, expected) => {
    expect(problemsOf(edited(receipt, edit)).join('\n')).toContain(expected);
  });

  it('catches any edit by the digest when the editor did not recompute it', () => {
    expect(problemsOf(edited(receipt, (r) => { r['generatedAt'] = '2000-01-01T00:00:00.000Z'; }, false))).toEqual([
      'receipt@-: the digest does not match the receipt (it was altered or cut after it was generated)',
    ]);
  });

  it('says a file that is not a receipt is not one', () => {
    expect(problemsOf({ hello: 'world' })).toEqual(['receipt@-: not a receipt: a JSON object with a consents array is expected']);
  });
});
