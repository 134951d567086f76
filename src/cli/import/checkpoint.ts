// Where an import resumes: the last line whose result was received with every line before it
// answered too, and the refusals among those lines (so the final report of a resumed run is the
// whole file's). Written beside the input (`<file>.import-state.json`) or at --state, replaced
// atomically (write then rename), so an interruption at any moment leaves the previous checkpoint.
// Lines after the checkpoint may have been applied already: a resume sends them again under the
// same commandIds, and the worker answers those from their stored results.
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Refused {
  readonly line: number;
  readonly statusCode: string;
  readonly errorCode: string | null;
  readonly field: string | null;
  readonly message: string | null;
  readonly consentId: string | null;
}

export interface Checkpoint {
  /** The input it belongs to (absolute path), so a state file is not applied to another file. */
  readonly input: string;
  /** Every line up to this one (1-based; 0 = none) has its result. */
  readonly line: number;
  readonly applied: number;
  readonly replayed: number;
  readonly refused: readonly Refused[];
}

export const defaultStatePath = (input: string): string => `${input}.import-state.json`;

export async function readCheckpoint(statePath: string, input: string): Promise<Checkpoint> {
  const empty: Checkpoint = { input: path.resolve(input), line: 0, applied: 0, replayed: 0, refused: [] };
  let text: string;
  try {
    text = await readFile(statePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return empty;
    throw error;
  }
  const saved = JSON.parse(text) as Checkpoint;
  if (saved.input !== empty.input) throw new Error(`${statePath} is the state of an import of ${saved.input}, not of ${empty.input}`);
  return saved;
}

export async function writeCheckpoint(statePath: string, checkpoint: Checkpoint): Promise<void> {
  const temporary = `${statePath}.tmp`;
  await writeFile(temporary, JSON.stringify(checkpoint));
  await rename(temporary, statePath);
}
