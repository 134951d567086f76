import { describe, expect, it } from 'vitest';
import { judgeRedelivery } from '../../../src/domain/command-id.ts';

describe('a commandId seen before', () => {
  it('is replayed when the content hash is the same', () => {
    expect(judgeRedelivery('cmd-1', 'h1', 'h1')).toEqual({ kind: 'replay' });
  });

  it('is replayed when the stored result has no hash (stored before hashes were kept)', () => {
    expect(judgeRedelivery('cmd-1', null, 'h1')).toEqual({ kind: 'replay' });
  });

  it('is refused with 409 COMMAND_ID_REUSED when the content differs', () => {
    expect(judgeRedelivery('cmd-1', 'h1', 'h2')).toMatchObject({
      kind: 'refuse', rejection: { statusCode: '409', errorCode: 'COMMAND_ID_REUSED' },
    });
  });
});
