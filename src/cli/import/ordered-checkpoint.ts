// The import's checkpoint moves only over an unbroken run of answered lines: results arrive out of
// order (many commands are in flight), so an outcome that arrives ahead of an unanswered earlier
// line waits here. A resumed run then starts after the last line whose every predecessor was
// answered, and sends nothing twice that it need not (a re-send is answered from the stored
// result anyway). Saved at most once a second while the run goes, and once at its end.
import type { Progress } from '../progress.ts';
import { writeCheckpoint, type Checkpoint, type Refused } from './checkpoint.ts';

/** What one line came to. */
export type Outcome =
  | { readonly kind: 'applied' | 'replayed' | 'blank' }
  | { readonly kind: 'refused'; readonly refused: Refused };

const SAVE_EVERY_MS = 1_000;

export class OrderedCheckpoint {
  private readonly ahead = new Map<number, Outcome>();
  private readonly refusedLines: Refused[];
  private state: Checkpoint;
  private readonly statePath: string;
  private readonly progress: Progress;
  private savedAt = 0;
  private saving: Promise<void> = Promise.resolve();

  constructor(start: Checkpoint, statePath: string, progress: Progress) {
    this.state = start;
    this.refusedLines = [...start.refused];
    this.statePath = statePath;
    this.progress = progress;
  }

  /** The last line answered with every line before it. */
  get line(): number { return this.state.line; }
  get applied(): number { return this.state.applied; }
  get replayed(): number { return this.state.replayed; }
  get refused(): readonly Refused[] { return this.refusedLines; }

  settle(line: number, outcome: Outcome): void {
    this.ahead.set(line, outcome);
    for (let next = this.ahead.get(this.state.line + 1); next !== undefined; next = this.ahead.get(this.state.line + 1)) {
      this.ahead.delete(this.state.line + 1);
      if (next.kind === 'refused') this.refusedLines.push(next.refused);
      this.state = {
        ...this.state,
        line: this.state.line + 1,
        applied: this.state.applied + (next.kind === 'applied' ? 1 : 0),
        replayed: this.state.replayed + (next.kind === 'replayed' ? 1 : 0),
      };
      this.progress.advance(1, next.kind === 'applied' ? 1 : 0);
    }
    if (Date.now() - this.savedAt >= SAVE_EVERY_MS) {
      this.savedAt = Date.now();
      void this.save();
    }
  }

  /** Writes the checkpoint as it stands, after any write still under way (writes never overlap). */
  save(): Promise<void> {
    const snapshot: Checkpoint = { ...this.state, refused: this.refusedLines.slice() };
    this.saving = this.saving.then(() => writeCheckpoint(this.statePath, snapshot));
    return this.saving;
  }
}
