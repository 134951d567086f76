// The fault suite's ledger checks catch what they are there to catch: a lost, a doubled and an
// out-of-order revision, a broken chain, and an event without its revision's hash.
import { describe, expect, it } from 'vitest';
import type { Consent } from '../../../src/domain/consent/consent.ts';
import type { ConsentRevision } from '../../../src/domain/consent/revision.ts';
import type { StoredRevision } from '../../../src/domain/ledger/verify-chain.ts';
import { ledgerFindings, ledgerHolds } from '../../faults/ledger-checks.ts';
import type { ExpectedRevision } from '../../faults/oracle.ts';
import { envelope, handle, SERVICE, USER } from '../consent/fixtures.ts';

/** Three revisions of one consent as the worker stores them, what the oracle predicts, and the events. */
function world() {
  const consentId = 'consent-faults-1';
  const base = { consentId, serviceId: SERVICE, userId: USER };
  let state: Consent | null = null;
  const revisions: StoredRevision[] = [];
  const expected: ExpectedRevision[] = [];
  const commands = [
    envelope('CreateConsent', { ...base, status: 'ACTIVE' }, { commandId: 'cmd-f-1' }),
    envelope('UpdateConsent', { ...base, consentVersion: 2, consentData: { a: '1' } }, { commandId: 'cmd-f-2' }),
    envelope('UpdateConsent', { ...base, consentVersion: 3, status: 'REVOKED' }, { commandId: 'cmd-f-3' }),
  ];
  commands.forEach((command, i) => {
    const decision = handle(command, state, undefined, new Date(Date.UTC(2030, 0, 1, 12, 0, i)));
    if (decision.kind !== 'change' || !decision.revision) throw new Error('expected a change');
    state = decision.aggregate;
    const revision = decision.revision as ConsentRevision;
    revisions.push({ _id: revision.revisionId, ...revision } as StoredRevision);
    expected.push({ revision: revision.revision, causationId: command.commandId, changeType: revision.changeType });
  });
  const head = { _id: consentId, state: state as unknown as Consent };
  const events = revisions.map((r) => ({ aggregateId: consentId, version: Number(r.revision), revisionHash: String(r.hash) }));
  return { expected: new Map([[consentId, expected]]), revisions, heads: [head], events };
}

describe('the fault suite\'s ledger checks', () => {
  it('pass on the revisions the changes made', () => {
    const w = world();
    expect(ledgerHolds(ledgerFindings(w.expected, w.revisions, w.heads, w.events))).toBe(true);
  });

  it('find a lost revision', () => {
    const w = world();
    const findings = ledgerFindings(w.expected, w.revisions.filter((r) => r.revision !== 2), w.heads, w.events);
    expect(findings.lost).toEqual(['consent-faults-1:2 missing']);
    expect(findings.broken).toHaveLength(1);
  });

  it('find a doubled revision', () => {
    const w = world();
    const findings = ledgerFindings(w.expected, [...w.revisions, { ...w.revisions[1]!, _id: 'other-id' }], w.heads, w.events);
    expect(findings.doubled).toEqual(['consent-faults-1:2 stored 2 times']);
  });

  it('find revisions made out of order', () => {
    const w = world();
    const swapped = w.revisions.map((r) => (r.revision === 2 ? { ...r, at: '2030-01-01T12:00:09.000Z' } : r));
    expect(ledgerFindings(w.expected, swapped, w.heads, w.events).outOfOrder).toHaveLength(1);
  });

  it('find a revision made by another command than the oracle says', () => {
    const w = world();
    const other = w.revisions.map((r) => (r.revision === 3 ? { ...r, causationId: 'cmd-f-9' } : r));
    expect(ledgerFindings(w.expected, other, w.heads, w.events).lost).toEqual([expect.stringContaining('consent-faults-1:3 is ConsentRevoked by cmd-f-9')]);
  });

  it('find an event without its revision\'s hash', () => {
    const w = world();
    const events = w.events.map((e) => (e.version === 1 ? { ...e, revisionHash: null } : e));
    expect(ledgerFindings(w.expected, w.revisions, w.heads, events).unhashed).toEqual(['consent-faults-1:1']);
  });
});
