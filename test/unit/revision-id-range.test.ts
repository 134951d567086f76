// verify --all reads a page of consents' revisions as one range of revision _ids
// (`${consentId}:${n}`); the range must hold every revision of every consent of the page, even
// where one consent id is a prefix of another and sorts apart from its revisions.
import { describe, expect, it } from 'vitest';
import { revisionIdRange } from '../../src/adapters/mongodb/revision-reads.ts';

const inRange = (range: { _id: { $gte: string; $lt: string } }, id: string): boolean => id >= range._id.$gte && id < range._id.$lt;

describe('revisionIdRange', () => {
  it('holds every revision of each consent, prefixes of one another included', () => {
    const page = ['c-a', 'c-a-b', 'c-a.x', 'c-a1', 'c-b'];
    const range = revisionIdRange(page);
    for (const consentId of page) {
      for (const n of [1, 2, 10, 99, 12_345]) expect(inRange(range, `${consentId}:${n}`), `${consentId}:${n}`).toBe(true);
    }
  });

  it('takes the greatest bound over the page, not the last id', () => {
    // In _id order 'c-a-b' is the last, yet 'c-a:5' sorts after 'c-a-b;'.
    const range = revisionIdRange(['c-a', 'c-a-b']);
    expect(inRange(range, 'c-a:5')).toBe(true);
    expect(inRange(range, 'c-a-b:5')).toBe(true);
  });

  it('leaves out the revisions of consents past the page', () => {
    const range = revisionIdRange(['c-a', 'c-b']);
    expect(inRange(range, 'c-c:1')).toBe(false);
    expect(inRange(range, 'c-0:1')).toBe(false);
  });
});
