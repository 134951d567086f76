import { describe, expect, it } from 'vitest';
import { beforeEnd, recordsWithin } from '../../../bench/throughput/pipe-ends.ts';

const at = (...offsets: number[]) => offsets.map((offset) => ({ offset: String(offset) }));

describe('the raw pipe\'s end offsets (the backlogs\' records only)', () => {
  it('takes the records before the end and says the end is reached', () => {
    expect(beforeEnd(at(330, 331, 332, 333, 334), 333)).toEqual({ take: at(330, 331, 332), reachedEnd: true });
  });

  it('takes a whole batch that stops short of the end and reads on', () => {
    expect(beforeEnd(at(0, 1, 2), 10)).toEqual({ take: at(0, 1, 2), reachedEnd: false });
  });

  it('takes nothing of a batch past the end (the open-loop rows\' records)', () => {
    expect(beforeEnd(at(400, 401), 333)).toEqual({ take: [], reachedEnd: true });
  });

  it('counts every record below the ends of every partition of both topics', () => {
    expect(recordsWithin({ consent: { 0: 840, 1: 835 }, permission: { 0: 834, 1: 0 } })).toBe(2_509);
  });
});
