import { describe, expect, it } from 'vitest';
import { roundsOf } from '../../../src/pipeline/handle-message.ts';

const m = (offset: number, key: string, commandId: string) => ({ offset, key, commandId });
const keysOf = (x: ReturnType<typeof m>): string[] => [`key:${x.key}`, `id:${x.commandId}`];
const offsets = (rounds: ReturnType<typeof m>[][]): number[][] => rounds.map((round) => round.map((x) => x.offset));

describe('rounds of a chunk', () => {
  it('puts the first command of every key in the first round, the second in the second, in offset order', () => {
    const chunk = [m(0, 'a', 'c0'), m(1, 'b', 'c1'), m(2, 'a', 'c2'), m(3, 'c', 'c3'), m(4, 'a', 'c4'), m(5, 'b', 'c5')];
    expect(offsets(roundsOf(chunk, keysOf))).toEqual([[0, 1, 3], [2, 5], [4]]);
  });

  it('puts a copy of a commandId in a round after its first copy, whatever its key', () => {
    const chunk = [m(0, 'a', 'c0'), m(1, 'b', 'c0'), m(2, 'c', 'c2')];
    expect(offsets(roundsOf(chunk, keysOf))).toEqual([[0, 2], [1]]);
  });

  it('keeps a key behind a copy that was pushed to a later round', () => {
    const chunk = [m(0, 'a', 'c0'), m(1, 'b', 'c0'), m(2, 'b', 'c2')];
    expect(offsets(roundsOf(chunk, keysOf))).toEqual([[0], [1], [2]]);
  });
});
