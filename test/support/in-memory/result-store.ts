// The pipeline's ResultStore kept in a Map: the first result stored under a commandId stands
// (inserted, never upserted), as in the MongoDB adapter.
import type { ResultStore, StoredResult } from '../../../src/pipeline/ports.ts';

export interface InMemoryResultStore extends ResultStore {
  /** Forgets a stored result, as the retention purge does after RESULT_RETENTION_MS. */
  purge(commandId: string): void;
}

export function inMemoryResultStore(): InMemoryResultStore {
  const results = new Map<string, StoredResult>();
  return {
    purge: (commandId) => { results.delete(commandId); },
    async get(commandId) {
      return structuredClone(results.get(commandId) ?? null);
    },
    async getMany(commandIds) {
      const found = new Map<string, StoredResult>();
      for (const commandId of commandIds) {
        const result = results.get(commandId);
        if (result) found.set(commandId, structuredClone(result));
      }
      return found;
    },
    async putMany(stored) {
      for (const result of stored) if (!results.has(result.commandId)) results.set(result.commandId, structuredClone(result));
    },
  };
}
