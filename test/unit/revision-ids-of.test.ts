// verify --all reads each page's revisions by id (an _id $in, what FerretDB answers from its
// index): every number of each consent's chain, and one past its version, so a document set back
// to an earlier state (a revision beyond its version still stored) is seen.
import { describe, expect, it } from 'vitest';
import { revisionIdsOf } from '../../src/adapters/mongodb/revision-reads.ts';

const head = (consentId: string, version: number) => ({ consentId, tail: { version, lastRevisionHash: null } });

describe('revisionIdsOf', () => {
  it('names revisions 1 to one past the version of each consent', () => {
    expect(revisionIdsOf([head('c-a', 2), head('c-b', 1)])).toEqual(['c-a:1', 'c-a:2', 'c-a:3', 'c-b:1', 'c-b:2']);
  });
});
