// Raw limit (b), a child process of main.ts: the store round trips the worker made, replayed with
// the MongoDB driver alone. The worker ran with mongo-trace.ts, which recorded every command it
// sent (reads and writes, with their documents); this replays them against a fresh database, in
// the order the worker sent them, at the worker's concurrency, with each aggregate's commands in
// order (a command waits for the earlier ones that named any of the same `_id`s). Commands outside
// the measured windows are replayed untimed, so every window starts from the state it had in the
// worker's run. What the replay lacks is everything that is not a MongoDB round trip: Kafka, the
// registry, Redis, decoding, deciding, encoding.
import { readFileSync } from 'node:fs';
import { BSON, MongoClient, type Document } from 'mongodb';
import type { FromBaseline } from './messages.ts';
import type { TracedCommand } from './mongo-trace.ts';

export interface ReplayWindow {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

export interface RawStoreSettings {
  /** Without its password: that comes from `mongodbPasswordFile` (secrets never travel in argv). */
  readonly mongodbUri: string;
  readonly mongodbPasswordFile: string | null;
  readonly database: string;
  readonly concurrency: number;
  /** Each worker run's trace file, in the order the runs happened, with its measured windows. */
  readonly traces: readonly { readonly file: string; readonly windows: readonly ReplayWindow[] }[];
}

// Commands that carry the work; the rest (handshakes, session ends, and the worker's getMore and
// killCursors, whose cursor ids were its own: replayed reads page through their own cursors)
// either cannot be replayed or cost nothing worth measuring.
const REPLAYED = new Set(['find', 'insert', 'update', 'delete', 'findAndModify', 'aggregate', 'count', 'distinct', 'createIndexes', 'create']);
const SCHEMA = new Set(['createIndexes', 'create']);
const SESSION_FIELDS = ['lsid', '$clusterTime', '$db', 'txnNumber', '$readPreference', 'apiVersion', 'apiStrict', 'apiDeprecationErrors'];

const settings = JSON.parse(process.argv[2] ?? '{}') as RawStoreSettings;
const tell = (message: FromBaseline): void => { process.send?.(message); };

function readTrace(file: string): TracedCommand[] {
  const bytes = readFileSync(file);
  const traced: TracedCommand[] = [];
  for (let offset = 0; offset < bytes.length;) {
    const size = bytes.readInt32LE(offset);
    traced.push(BSON.deserialize(bytes.subarray(offset, offset + size)) as TracedCommand);
    offset += size;
  }
  return traced;
}

function idsIn(filter: unknown): unknown[] {
  const id = (filter as { _id?: unknown } | null)?._id;
  if (id === undefined) return [];
  if (typeof id === 'object' && id !== null && Array.isArray((id as { $in?: unknown }).$in)) return (id as { $in: unknown[] }).$in;
  return typeof id === 'object' && id !== null ? [] : [id];
}

/** The `collection:_id` names a command touches, for ordering it after earlier commands on them. */
function keysOf({ name, command }: TracedCommand): string[] {
  const collection = String(command[name]);
  let ids: unknown[] = [];
  if (name === 'find' || name === 'count') ids = idsIn(command['filter'] ?? command['query']);
  else if (name === 'insert') ids = (command['documents'] as Document[] | undefined ?? []).map((doc) => doc['_id']);
  else if (name === 'update') ids = (command['updates'] as Document[] | undefined ?? []).flatMap((u) => idsIn(u['q']));
  else if (name === 'delete') ids = (command['deletes'] as Document[] | undefined ?? []).flatMap((d) => idsIn(d['q']));
  else if (name === 'findAndModify') ids = idsIn(command['query']);
  return ids.map((id) => `${collection}:${String(id)}`);
}

function replayable(entry: TracedCommand): Document {
  const command: Document = { ...entry.command };
  for (const field of SESSION_FIELDS) delete command[field];
  return command;
}

const mongodbUri = settings.mongodbPasswordFile === null ? settings.mongodbUri
  : settings.mongodbUri.replace('@', `:${encodeURIComponent(readFileSync(settings.mongodbPasswordFile, 'utf8').replace(/\r?\n$/, ''))}@`);
const client = await new MongoClient(mongodbUri, { serverSelectionTimeoutMS: 5_000 }).connect();
const db = client.db(settings.database);

/** Cursor ids are 64-bit: read as numbers they would lose digits and no longer name the cursor. */
const KEEP_CURSOR_IDS = { promoteLongs: false };
const READS = new Set(['find', 'count', 'aggregate', 'distinct']);

/** Per `_id`: the last write, and the reads sent since (a write waits for both, a read for the write). */
interface KeyOrder {
  write: Promise<void> | null;
  reads: Promise<void>[];
}

/** Replays commands at the worker's concurrency, each aggregate's writes in order; counts failed ones. */
async function replay(entries: readonly TracedCommand[]): Promise<{ ops: number; errors: number }> {
  let inFlight = 0;
  let errors = 0;
  let pages = 0;
  const waiting: (() => void)[] = [];
  const order = new Map<string, KeyOrder>();
  const all: Promise<void>[] = [];
  for (const entry of entries) {
    // Slots are taken in sending order, so whatever a command waits for already holds one or is done.
    while (inFlight >= settings.concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    inFlight++;
    const keys = keysOf(entry);
    const read = READS.has(entry.name);
    // Reads of shared documents (a permission every acceptance reads) do not wait for each other.
    const before = keys.flatMap((key) => {
      const o = order.get(key);
      if (!o) return [];
      return read ? (o.write ? [o.write] : []) : [...(o.write ? [o.write] : []), ...o.reads];
    });
    const run = (async () => {
      try {
        await Promise.all(before);
        const command = replayable(entry);
        let answer = await db.command(command, KEEP_CURSOR_IDS);
        if (Array.isArray(answer['writeErrors']) && answer['writeErrors'].length > 0) errors++;
        // A read the worker paged through (getMore, not replayed as traced: its cursor ids were the
        // worker's) is paged through here too, each page a round trip as it was there.
        for (let cursor = answer['cursor'] as { id?: unknown } | undefined; cursor?.id && String(cursor.id) !== '0'; cursor = answer['cursor'] as typeof cursor) {
          answer = await db.command({ getMore: cursor.id, collection: String(command[entry.name]) }, KEEP_CURSOR_IDS);
          pages++;
        }
      } catch {
        errors++;
      } finally {
        inFlight--;
        waiting.shift()?.();
      }
    })();
    for (const key of keys) {
      const o = order.get(key) ?? { write: null, reads: [] };
      if (read) o.reads.push(run);
      else order.set(key, { write: run, reads: [] });
      if (read && !order.has(key)) order.set(key, o);
    }
    all.push(run);
  }
  await Promise.all(all);
  return { ops: entries.length + pages, errors };
}

try {
  for (const [runNo, trace] of settings.traces.entries()) {
    const traced = readTrace(trace.file).filter((entry) => REPLAYED.has(entry.name));
    // Index and collection creation (the worker's start-up) goes first and untimed: on a fresh
    // database it costs far more than on the worker's, where the collections existed already.
    const entries = [...traced.filter((entry) => SCHEMA.has(entry.name)), ...traced.filter((entry) => !SCHEMA.has(entry.name))];
    // Consecutive commands in the same window (or in none) form one segment, replayed in turn.
    const windowOf = (entry: TracedCommand): ReplayWindow | null =>
      SCHEMA.has(entry.name) ? null : trace.windows.find((w) => entry.t >= w.from && entry.t <= w.to) ?? null;
    const segments: { window: ReplayWindow | null; entries: TracedCommand[] }[] = [];
    for (const entry of entries) {
      const window = windowOf(entry);
      const current = segments[segments.length - 1];
      if (current && current.window === window) current.entries.push(entry);
      else segments.push({ window, entries: [entry] });
    }
    tell({ op: 'progress', text: `replaying worker run ${runNo + 1}/${settings.traces.length}: ${entries.length} MongoDB commands` });
    for (const segment of segments) {
      if (segment.window) tell({ op: 'segment-start', name: segment.window.name, at: Date.now() });
      const { ops, errors } = await replay(segment.entries);
      if (segment.window) tell({ op: 'segment-end', name: segment.window.name, at: Date.now(), ops, errors });
    }
  }
} catch (error) {
  tell({ op: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
} finally {
  await client.close();
}
process.exit(0);
