// What each shape of the read API's queries costs the MongoDB-wire server itself
// (`node bench/read-query-cost.ts`): FerretDB's CPU from /proc and the wall time per query, one
// query at a time, so the figure is the server's work for that shape and nothing else's.
//
// It stores BENCH_CONSENTS consents (default 100,000) as `npm run bench:read` stores them (10 a
// user, three types, the worker's index fields and read-key indexes), or reuses BENCH_DATABASE
// when that database already holds them, then runs BENCH_QUERIES (default 1,000) of each shape
// over random users (BENCH_SHAPES: only the shapes whose name holds it). BENCH_FERRETDB_PID names the server process to read (default: the native
// stack's mongo pid); MONGODB_URI the server (default: the native stack's). A private FerretDB
// keeps other work's queries out of the CPU figure (docs/benchmarks/read-api.md says how).
// Prints a table and writes bench/results/read-query-cost-<date>.json.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient, type Collection, type Document } from 'mongodb';
import { firstInKeyOrder } from '../src/adapters/mongodb/first-in-key-order.ts';
import { accessKeyPrefix, prefixRange, userKeyPrefix } from '../src/domain/consent/read-keys.ts';
import { consentDocument, userConsentState } from '../test/support/stored-consents.ts';
import { benchServers } from '../test/support/servers.ts';
import { envNumber } from './env-number.ts';
import { cpuMs, serverPids } from './throughput/process-cpu.ts';

const N = Math.floor(envNumber('BENCH_CONSENTS', 100_000, 1));
const PER_USER = 10;
const QUERIES_EACH = Math.floor(envNumber('BENCH_QUERIES', 1_000, 1));
const SERVICES = 5;
const TYPES = ['marketing', 'analytics', 'research'];
const USERS = Math.ceil(N / PER_USER);
const serviceOf = (u: number): string => `svc-bench-${u % SERVICES}`;
const userOf = (u: number): string => `user-bench-${u}`;

type Consents = Collection<Document & { _id: string }>;
/** One shape of query for user number `u`; answers the documents it read. */
type Shape = (consents: Consents, u: number) => Promise<unknown>;

const userRange = (u: number): { $gt: string; $lt: string } => {
  const { from, to } = prefixRange(userKeyPrefix(serviceOf(u), userOf(u)));
  return { $gt: from, $lt: to };
};
const accessRange = (u: number): { $gt: string; $lt: string } => {
  const { from, to } = prefixRange(accessKeyPrefix(serviceOf(u), userOf(u), TYPES[u % TYPES.length] as string));
  return { $gt: from, $lt: to };
};
const STATE = { state: 1 } as const;
/** One user with many consents (BENCH_HEAVY, default 1,000), whose first page is the list's worst case. */
const HEAVY = Math.floor(envNumber('BENCH_HEAVY', 1_000, 1));
const HEAVY_USER = USERS; // past the others, of service svc-bench-<USERS % 5>

/** The list as the read store now reads it (first-in-key-order.ts): unsorted up to the limit, then sorted up to its bound. */
const listInKeyOrder = (c: Consents, u: number): Promise<Document[]> => {
  const { from, to } = prefixRange(userKeyPrefix(serviceOf(u), userOf(u)));
  const read = (upTo: { $lt: string } | { $lte: string }, sorted: boolean, n: number): Promise<Document[]> => {
    const cursor = c.find({ ownerKey: { $gt: from, ...upTo } }, { projection: STATE });
    return (sorted ? cursor.sort({ ownerKey: 1 }) : cursor).limit(n).toArray();
  };
  return firstInKeyOrder({
    anyOrder: (n) => read({ $lt: to }, false, n),
    sortedUpTo: (last, n) => read(last === null ? { $lt: to } : { $lte: `${from}${last}` }, true, n),
  }, (d) => (d['state'] as { consentId: string }).consentId, 21);
};

/** The shapes measured: today's list and access check, and the variants FerretDB might answer for less. */
function shapes(idsOf: (u: number) => string[], ping: () => Promise<unknown>): Record<string, Shape> {
  return {
    'ping (a round trip, no query)': ping,
    'findOne by _id, state only': async (c, u) => c.findOne({ _id: idsOf(u)[0] as string }, { projection: STATE }),
    'list today: ownerKey range, sort ownerKey, limit 21, state only': async (c, u) =>
      c.find({ ownerKey: userRange(u) }, { projection: STATE }).sort({ ownerKey: 1 }).limit(21).toArray(),
    'list now: unsorted to limit 21, then sorted up to its bound': listInKeyOrder,
    'list: ownerKey range, limit 21, state only (no sort)': async (c, u) =>
      c.find({ ownerKey: userRange(u) }, { projection: STATE }).limit(21).toArray(),
    'list: ownerKey range, sort, limit 21 (no projection)': async (c, u) =>
      c.find({ ownerKey: userRange(u) }).sort({ ownerKey: 1 }).limit(21).toArray(),
    'list: ownerKey range only (no sort, limit, projection)': async (c, u) => c.find({ ownerKey: userRange(u) }).toArray(),
    'list: ownerKey range, single batch, state only (no sort)': async (c, u) =>
      c.find({ ownerKey: userRange(u) }, { projection: STATE, batchSize: 1_000 }).toArray(),
    'list: _id $in of the user\'s 10 ids, state only': async (c, u) =>
      c.find({ _id: { $in: idsOf(u) } }, { projection: STATE }).toArray(),
    [`heavy user (${HEAVY} consents), first page today (sort, limit 21)`]: async (c) =>
      c.find({ ownerKey: userRange(HEAVY_USER) }, { projection: STATE }).sort({ ownerKey: 1 }).limit(21).toArray(),
    [`heavy user (${HEAVY} consents), first page without sort (limit 21)`]: async (c) =>
      c.find({ ownerKey: userRange(HEAVY_USER) }, { projection: STATE }).limit(21).toArray(),
    [`heavy user (${HEAVY} consents), first page now (unsorted, then sorted to its bound)`]: async (c) => listInKeyOrder(c, HEAVY_USER),
    'access today: accessKey range, state only': async (c, u) => c.find({ accessKey: accessRange(u) }, { projection: STATE }).toArray(),
    'access: accessKey range (no projection)': async (c, u) => c.find({ accessKey: accessRange(u) }).toArray(),
  };
}

async function seed(consents: Consents, from0: number, to: number, userOfIndex: (i: number) => number): Promise<void> {
  const expiry = new Date(Date.now() + 30 * 86_400_000);
  for (let from = from0; from < to; from += 5_000) {
    const docs = [];
    for (let i = from; i < Math.min(to, from + 5_000); i += 1) {
      const u = userOfIndex(i);
      // Ids that sort by user, so a user's ids are found again without reading them back.
      docs.push(consentDocument(userConsentState(`c-${String(u).padStart(7, '0')}-${String(i).padStart(7, '0')}-${randomUUID().slice(0, 8)}`, expiry, {
        serviceId: serviceOf(u), userId: userOf(u), consentType: TYPES[i % TYPES.length] as string,
        status: i % 7 === 0 ? 'REVOKED' : 'ACTIVE', consentData: { channel: 'email' },
      })));
    }
    await consents.insertMany(docs as (Document & { _id: string })[]);
  }
  for (const key of ['ownerKey', 'accessKey', 'orgKey', 'subjectKey']) await consents.createIndex({ [key]: 1 });
}

interface Row { shape: string; queries: number; docsPerQuery: number; commandsPerQuery: number; wallMsPerQuery: number; serverCpuMsPerQuery: number | null }

async function measure(name: string, shape: Shape, consents: Consents, pid: number, commands: { count: number }): Promise<Row> {
  // The heavy user's pages read a thousand documents each: fewer of them say as much.
  const QUERIES = name.startsWith('heavy') ? Math.max(20, Math.floor(QUERIES_EACH / 20)) : QUERIES_EACH;
  for (let i = 0; i < 10; i += 1) await shape(consents, Math.floor(Math.random() * USERS)); // warm-up
  const cpu0 = cpuMs(pid);
  const commands0 = commands.count;
  const started = performance.now();
  let docs = 0;
  for (let i = 0; i < QUERIES; i += 1) {
    const answer = await shape(consents, Math.floor(Math.random() * USERS));
    docs += Array.isArray(answer) ? answer.length : answer === null ? 0 : 1;
  }
  const wall = performance.now() - started;
  const cpu1 = cpuMs(pid);
  const round = (x: number): number => Math.round(x * 1_000) / 1_000;
  return {
    shape: name, queries: QUERIES, docsPerQuery: round(docs / QUERIES), commandsPerQuery: round((commands.count - commands0) / QUERIES),
    wallMsPerQuery: round(wall / QUERIES), serverCpuMsPerQuery: cpu0 === null || cpu1 === null ? null : round((cpu1 - cpu0) / QUERIES),
  };
}

async function main(): Promise<void> {
  const uri = process.env['MONGODB_URI'] ?? benchServers(process.env).mongodbUri;
  const pid = process.env['BENCH_FERRETDB_PID'] ? Number(process.env['BENCH_FERRETDB_PID']) : serverPids()['mongo'];
  if (pid === undefined || cpuMs(pid) === null) throw new Error('no server process to read: set BENCH_FERRETDB_PID');
  const client = await new MongoClient(uri, { monitorCommands: true, maxPoolSize: 1 }).connect();
  const commands = { count: 0 };
  client.on('commandStarted', () => { commands.count += 1; });
  const database = process.env['BENCH_DATABASE'] ?? `cwbench_qc_${randomUUID().slice(0, 8)}`;
  const consents = client.db(database).collection<Document & { _id: string }>('consents');
  if (await consents.estimatedDocumentCount() < N) {
    console.log(`seeding ${N} consents into ${database}`);
    await seed(consents, 0, N, (i) => i % USERS);
  }
  if (await consents.countDocuments({ ownerKey: userRange(HEAVY_USER) }) < HEAVY) {
    console.log(`seeding ${HEAVY} consents of one user into ${database}`);
    await seed(consents, N, N + HEAVY, () => HEAVY_USER);
  }
  // Each user's ids, read once through the index, for the _id shapes.
  const ids = new Map<number, string[]>();
  const idsOf = (u: number): string[] => ids.get(u) ?? [];
  for (let u = 0; u < USERS; u += 1) ids.set(u, []);
  for await (const doc of consents.find({}, { projection: { _id: 1, 'state.userId': 1 } })) {
    const u = Number(/user-bench-(\d+)/.exec(String((doc['state'] as { userId?: string } | undefined)?.userId))?.[1]);
    if (Number.isInteger(u)) ids.get(u)?.push(doc._id);
  }
  const rows: Row[] = [];
  const only = process.env['BENCH_SHAPES']; // a part of the shapes' names, to run only those
  for (const [name, shape] of Object.entries(shapes(idsOf, () => client.db(database).command({ ping: 1 })))) {
    if (only && !name.includes(only)) continue;
    rows.push(await measure(name, shape, consents, pid, commands));
    console.log(JSON.stringify(rows.at(-1)));
  }
  console.table(rows);
  const results = path.join(import.meta.dirname, 'results');
  mkdirSync(results, { recursive: true });
  const file = path.join(results, `read-query-cost-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), uri, database, consents: N, loadAverage: os.loadavg(), rows }, null, 2)}\n`);
  console.log(`wrote ${file}`);
  await client.close();
}

await main();
