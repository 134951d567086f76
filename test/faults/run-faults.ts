// `npm run test:faults` (FAULTS_SCALE=full) and the seed in `npm test` (FAULTS_SCALE=seed): the
// worker as separate processes (node src/main.ts) on a private stack, under load, through
// kill -9, a second replica joining and leaving, Redis / the MongoDB-compatible server / Kafka
// each stopped, SIGTERM, oversized messages and hostile input; then every outcome, the stored
// state and the events are compared with the oracle (the pure domain applied once per command
// in partition order). Prints one line per check and `faults: N passed, M failed`.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { createRegistry } from '../../src/adapters/registry/avro-codec.ts';
import type { Consent } from '../../src/domain/consent/consent.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../src/pipeline/size-limits.ts';
import { TopicCollector, type Received } from '../support/topic-collector.ts';
import { CommandSource, HOSTILE_CLASSES } from './commands.ts';
import type { StoredRevision } from '../../src/domain/ledger/verify-chain.ts';
import { ledgerFindings, ledgerHolds, summarise } from './ledger-checks.ts';
import { predict } from './oracle.ts';
import { FAULTS_KAFKA_VERSION, startPrivateStack, startServer, stopPrivateStack, stopServer, type Server } from './private-stack.ts';
import { partitionsByClient, resultTimes, survivorPause, type SurvivorPause } from './survivor-pause.ts';
import { WorkerProcess } from './worker-process.ts';

process.removeAllListeners('warning');
const full = process.env['FAULTS_SCALE'] === 'full';
const SCALE = full
  ? { rate: 120, pool: 3_000, kills: 5, replicaKills: 4, outageMs: 10_000, hostileEvery: 10, settleMs: 15_000 }
  : { rate: 40, pool: 300, kills: 2, replicaKills: 2, outageMs: 6_000, hostileEvery: 6, settleMs: 5_000 };
const JOIN_BOUND_MS = 60_000;
const POISON_BOUND_MS = 30_000;
const RECOVERY_BOUND_MS = 90_000;
const PARTITIONS = 6;
/**
 * Issue 21: one replica's crash should not stall the others for longer than the target; the check
 * fails past the bound. The two differ because a survivor still waits up to LOCK_WAIT_MS (5 s) for
 * leases the killed replica held (measured 7.0 s once in four kills; docs/supported-versions.md):
 * the bound keeps the check from failing on that known case while still failing on the old stall
 * (27-30 s, the session timeout and an eager rebalance). Each pause says whether it met the target.
 */
const SURVIVOR_PAUSE_TARGET_MS = 5_000;
const SURVIVOR_PAUSE_BOUND_MS = 10_000;
/** Older than any round in flight: a repeat after the Redis outage of something published this long before it is not allowed. */
const REPEAT_AGE_MS = 8_000;
// The worker's own defaults unless set: the pause measured is the one a deployment gets.
const SESSION_TIMEOUT_MS = process.env['FAULTS_SESSION_TIMEOUT_MS'];
const HEARTBEAT_INTERVAL_MS = process.env['FAULTS_HEARTBEAT_INTERVAL_MS'];

interface Check { name: string; ok: boolean; detail: string }
const checks: Check[] = [];
const t0 = Date.now();
const say = (text: string) => console.log(`[faults ${String(Math.round((Date.now() - t0) / 1000)).padStart(4)}s] ${text}`);
const check = (name: string, ok: boolean, detail: string) => {
  checks.push({ name, ok, detail });
  say(`${ok ? 'PASS' : 'FAIL'} ${name}: ${detail}`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Every worker process started, so that every way out (a failed start, the suite failing) stops them. */
const workers: WorkerProcess[] = [];
const stopWorkers = async (): Promise<void> => { for (const w of workers) if (w.running) await w.kill9(); };

async function main(): Promise<number> {
  const run = randomUUID().slice(0, 8);
  const logDir = path.resolve(import.meta.dirname, '../../.faults', run);
  mkdirSync(logDir, { recursive: true });
  say(`run ${run} (${full ? 'full' : 'seed'}) on Kafka ${FAULTS_KAFKA_VERSION}, session ${SESSION_TIMEOUT_MS ? `${SESSION_TIMEOUT_MS} ms` : 'the worker\'s default'}, heartbeat ${HEARTBEAT_INTERVAL_MS ? `${HEARTBEAT_INTERVAL_MS} ms` : 'the worker\'s default'}; logs in ${logDir}`);
  const servers = await startPrivateStack();
  const topic = (name: string) => `${name}.cwfault-${run}`;
  const env: Record<string, string> = {
    KAFKA_BROKERS: servers.kafkaBrokers, SCHEMA_REGISTRY_URL: servers.schemaRegistryUrl, MONGODB_URI: servers.mongodbUri, REDIS_URL: servers.redisUrl,
    MONGODB_DATABASE: `cwfault_${run}`, REDIS_KEY_PREFIX: `cwfault:${run}:`, CONSUMER_GROUP: `cwfault-${run}`,
    CONSENT_COMMANDS_TOPIC: topic('consent.commands'), CONSENT_RESULTS_TOPIC: topic('consent.results'), CONSENT_EVENTS_TOPIC: topic('consent.events'),
    PERMISSION_COMMANDS_TOPIC: topic('permission.commands'), PERMISSION_RESULTS_TOPIC: topic('permission.results'), PERMISSION_EVENTS_TOPIC: topic('permission.events'),
    TOPIC_PARTITIONS: String(PARTITIONS), COMMIT_EVERY: '64', SWEEP_ENABLED: 'false', ORG_DECISION_LIMIT: '100000000', LOG_LEVEL: 'info',
    ...(SESSION_TIMEOUT_MS ? { KAFKA_SESSION_TIMEOUT_MS: SESSION_TIMEOUT_MS } : {}), ...(HEARTBEAT_INTERVAL_MS ? { KAFKA_HEARTBEAT_INTERVAL_MS: HEARTBEAT_INTERVAL_MS } : {}),
  };
  const commandsTopic = env['CONSENT_COMMANDS_TOPIC'] as string;
  const spawnWorker = (name: string): WorkerProcess => {
    // Its own client id: the group's description tells which partitions each process holds.
    const w = new WorkerProcess(name, { ...env, KAFKA_CLIENT_ID: `cwfault-${name}` }, logDir);
    w.start();
    workers.push(w);
    return w;
  };
  const started = async (w: WorkerProcess, boundMs: number): Promise<number | null> => {
    const since = Date.now();
    const before = w.logLines('worker started').length;
    while (Date.now() - since < boundMs) {
      if (w.logLines('worker started').length > before) return Date.now() - since;
      if (!w.running) return null;
      await sleep(200);
    }
    return null;
  };

  let primary = spawnWorker('worker-a');
  const firstStart = await started(primary, 120_000);
  if (firstStart === null) {
    check('the worker starts on the private stack', false, `no "worker started" within 120 s; see ${primary.logFile}`);
    return report(run);
  }

  const kafkaErrors = primary.logLines('').filter((l) => l.includes('"component":"kafkajs"') && l.includes('"level":50'));
  check('the first start on a fresh broker logs no kafkajs ERROR', kafkaErrors.length === 0,
    `${kafkaErrors.length} ERROR lines${kafkaErrors.length ? ` (e.g. ${JSON.parse(kafkaErrors[0] as string).error ?? ''} ${JSON.parse(kafkaErrors[0] as string).msg ?? ''})` : ''}`);

  const kafka = new Kafka({ clientId: `faults-${run}`, brokers: [servers.kafkaBrokers], logLevel: logLevel.NOTHING, retry: { retries: 30, maxRetryTime: 5_000 } });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const registry = createRegistry(servers.schemaRegistryUrl);
  const source = new CommandSource(registry, producer, commandsTopic, run);
  await source.init();
  const collector = new TopicCollector(kafka, registry, [env['CONSENT_RESULTS_TOPIC'] as string, env['CONSENT_EVENTS_TOPIC'] as string]);
  await collector.start([env['CONSENT_RESULTS_TOPIC'] as string, env['CONSENT_EVENTS_TOPIC'] as string, `${commandsTopic}.dlq`], `cwfault-collector-${run}`);
  // Indexed as results arrive (a scan of everything per look would be quadratic at 100,000 commands).
  const answeredIds = new Set<string>();
  let latestProcessedAt = 0;
  let indexed = 0;
  const index = () => {
    for (; indexed < collector.received.length; indexed++) {
      const r = collector.received[indexed];
      if (!r || r.topic !== env['CONSENT_RESULTS_TOPIC']) continue;
      answeredIds.add(r.key);
      if (r.value) latestProcessedAt = Math.max(latestProcessedAt, Date.parse(String(r.value['processedAt'])));
    }
  };
  const answered = (commandId: string) => { index(); return answeredIds.has(commandId); };
  const waitAnswered = async (ids: string[], boundMs: number): Promise<number | null> => {
    const since = Date.now();
    let pending = ids;
    while (Date.now() - since < boundMs) {
      pending = pending.filter((id) => !answered(id));
      if (pending.length === 0) return Date.now() - since;
      await sleep(200);
    }
    return null;
  };

  // Load: good commands at SCALE.rate/s with a hostile class every SCALE.hostileEvery.
  let loading = true;
  let sendErrors = 0;
  const hostileTried = new Set<string>();
  const load = (async () => {
    let n = 0;
    while (loading) {
      const tick = Date.now();
      try {
        if (++n % SCALE.hostileEvery === 0) hostileTried.add(await source.hostile());
        else await source.good(SCALE.pool);
      } catch {
        sendErrors++; // the broker is down: the producer gave up on this one; the oracle reads what is on the topic
        await sleep(500);
      }
      const wait = 1_000 / SCALE.rate - (Date.now() - tick);
      if (wait > 0) await sleep(wait);
    }
  })();
  await sleep(5_000);

  // A poison message (and an oversized command and result) on partition 0; good commands on the others must be answered meanwhile.
  for (const klass of ['oversized-undecodable', 'oversized-command', 'oversized-result']) {
    await source.sendHostile(klass, 0);
    hostileTried.add(klass);
  }
  const others = await Promise.all([1, 2, 3, 4, 5].flatMap((p) => [source.goodOn(p), source.goodOn(p)]));
  const poisonMs = await waitAnswered(others, POISON_BOUND_MS);
  check('good commands on other partitions answered while a poison message is handled', poisonMs !== null,
    poisonMs === null ? `not all 10 answered within ${POISON_BOUND_MS} ms` : `10 answered in ${poisonMs} ms`);

  // Survived = answering again: a result processed after `since` reaches the results topic within
  // the bound. (A command sent at that moment waits behind the backlog the outage built up, so its
  // latency measures throughput, not survival: it is reported, and the final checks prove that
  // every command was answered once.)
  const probes: { what: string; commandId: string; sentAt: number }[] = [];
  const probe = async (what: string, since: number) => {
    const commandId = await source.goodOn(Math.floor(Math.random() * PARTITIONS)).catch(() => null);
    if (commandId) probes.push({ what, commandId, sentAt: Date.now() });
    const t = Date.now();
    while (Date.now() - t < RECOVERY_BOUND_MS) {
      index();
      if (latestProcessedAt >= since) return { ok: true, detail: `answering again ${Date.now() - since} ms after ${what}` };
      await sleep(200);
    }
    return { ok: false, detail: `no result processed after ${what} within ${RECOVERY_BOUND_MS} ms; ${primary.troubleSince(since - 30_000)}` };
  };

  // kill -9 under load, restarted at once each time.
  let killsSurvived = 0;
  for (let i = 1; i <= SCALE.kills; i++) {
    await sleep(full ? 15_000 : 8_000);
    await primary.kill9();
    const killedAt = Date.now();
    primary = spawnWorker(`worker-a${i}`);
    const up = await started(primary, RECOVERY_BOUND_MS);
    const answeredAfter = up === null ? { ok: false, detail: 'did not start' } : await probe(`kill -9 #${i}`, killedAt);
    if (up !== null && answeredAfter.ok) killsSurvived++;
    check(`kill -9 #${i} under load: restarted and answering`, up !== null && answeredAfter.ok,
      up === null ? `no "worker started" within ${RECOVERY_BOUND_MS} ms (${primary.logFile})` : `started in ${up} ms; ${answeredAfter.detail}`);
  }

  // A second replica joins under load, then leaves (a rebalance each time).
  const admin = kafka.admin();
  await admin.connect();
  const joinT0 = Date.now();
  let replica = spawnWorker('worker-b');
  let joinedMs: number | null = null;
  while (Date.now() - joinT0 < JOIN_BOUND_MS) {
    const group = (await admin.describeGroups([env['CONSUMER_GROUP'] as string]).catch(() => null))?.groups[0];
    if (replica.logLines('worker started').length > 0 && group?.state === 'Stable' && group.members.length === 2) { joinedMs = Date.now() - joinT0; break; }
    if (!replica.running) break;
    await sleep(250);
  }
  check('a second replica joins the group under load', joinedMs !== null,
    joinedMs === null ? `not a stable member within ${JOIN_BOUND_MS} ms (${replica.logFile})` : `stable with 2 members after ${joinedMs} ms`);

  // kill -9 of one of two replicas under load, each in turn: how long the survivor stops. Odd
  // kills leave the killed one down (the survivor must take its partitions over); even ones
  // restart it at once, as a supervisor would: its new member's join then starts a rebalance that
  // waits for the dead member's session, which stopped every partition of the group (issue 21).
  const groupId = env['CONSUMER_GROUP'] as string;
  const stableWithTwo = async (): Promise<boolean> => {
    const since = Date.now();
    while (Date.now() - since < JOIN_BOUND_MS) {
      const group = (await admin.describeGroups([groupId]).catch(() => null))?.groups[0];
      if (group?.state === 'Stable' && group.members.length === 2) return true;
      await sleep(250);
    }
    return false;
  };
  const pauses: (SurvivorPause & { killed: string; restartedAtOnce: boolean })[] = [];
  for (let i = 1; i <= SCALE.replicaKills && joinedMs !== null; i++) {
    if (!(await stableWithTwo())) { check(`kill -9 of one of two replicas #${i}`, false, `the group was not stable with 2 members within ${JOIN_BOUND_MS} ms`); break; }
    await sleep(3_000);
    const killReplica = i % 2 === 1;
    const [victim, survivor] = killReplica ? [replica, primary] : [primary, replica];
    const owned = await partitionsByClient(admin, groupId, commandsTopic);
    const orphaned = owned.get(`cwfault-${victim.name}`) ?? [];
    const kept = owned.get(`cwfault-${survivor.name}`) ?? [];
    const killedAt = Date.now();
    await victim.kill9();
    const restartAtOnce = i % 2 === 0;
    const restart = () => {
      const restarted = spawnWorker(`${killReplica ? 'worker-b' : 'worker-a'}-k${i}`);
      if (killReplica) replica = restarted; else primary = restarted;
      return restarted;
    };
    const restartedAtOnce = restartAtOnce ? restart() : null;
    let pause = survivorPause([], orphaned, kept, killedAt, Date.now());
    while (Date.now() - killedAt < RECOVERY_BOUND_MS) {
      await sleep(500);
      pause = survivorPause(resultTimes(collector.received, env['CONSENT_RESULTS_TOPIC'] as string, source.partitionOf), orphaned, kept, killedAt, Date.now());
      if (pause.takeoverMs !== null) break;
    }
    await sleep(2_000); // results of the survivor's own partitions since the takeover, so their gap is closed
    const at = Date.now();
    pause = survivorPause(resultTimes(collector.received, env['CONSENT_RESULTS_TOPIC'] as string, source.partitionOf), orphaned, kept, killedAt, at);
    pauses.push({ ...pause, killed: victim.name, restartedAtOnce: restartAtOnce });
    const metTarget = pause.takeoverMs !== null && pause.takeoverMs <= SURVIVOR_PAUSE_TARGET_MS && pause.ownGapMs <= SURVIVOR_PAUSE_TARGET_MS;
    check(`kill -9 of one of two replicas #${i} (${restartAtOnce ? 'restarted at once' : 'left down'}): the group answers again within ${SURVIVOR_PAUSE_BOUND_MS} ms (target ${SURVIVOR_PAUSE_TARGET_MS} ms: ${metTarget ? 'met' : 'MISSED'})`,
      orphaned.length > 0 && kept.length > 0 && pause.takeoverMs !== null && pause.takeoverMs <= SURVIVOR_PAUSE_BOUND_MS && pause.ownGapMs <= SURVIVOR_PAUSE_BOUND_MS,
      `killed ${victim.name} (partitions ${orphaned.join(',') || 'none'}); its partitions answered again `
      + `${pause.takeoverMs === null ? `not within ${RECOVERY_BOUND_MS} ms` : `${pause.takeoverMs} ms after the kill`}${restartAtOnce ? '' : ` (by ${survivor.name})`}; `
      + `longest gap on ${survivor.name}'s own partitions (${kept.join(',') || 'none'}) ${pause.ownGapMs} ms`);
    const next = restartedAtOnce ?? restart();
    if (next.logLines('worker started').length === 0) await started(next, RECOVERY_BOUND_MS);
  }
  await stableWithTwo();

  await sleep(full ? 20_000 : 10_000);
  const leave = await replica.terminate();
  const afterLeave = await probe('the replica left', Date.now());
  check('the replica leaves (SIGTERM) and its partitions are served again', leave.code === 0 && afterLeave.ok, `exit ${leave.code} after ${leave.ms} ms; ${afterLeave.detail}`);

  // Each server stopped for a while under load.
  const outages: Server[] = ['redis', 'mongo', 'kafka'];
  let outagesSurvived = 0;
  /** Positions in what the collector received: see the check of repeats after the Redis outage. */
  const redisMarks = { settled: 0, stopped: 0, next: 0 };
  for (const server of outages) {
    if (server === 'redis') {
      // What arrived by now was published at least REPEAT_AGE_MS before Redis stops: no round in flight then.
      await sleep(2_000);
      redisMarks.settled = collector.received.length;
      await sleep(REPEAT_AGE_MS);
      redisMarks.stopped = collector.received.length;
    } else {
      await sleep(5_000);
      if (server === 'mongo') redisMarks.next = collector.received.length;
    }
    say(`stopping ${server} for ${SCALE.outageMs} ms`);
    await stopServer(server);
    await sleep(SCALE.outageMs);
    await startServer(server);
    const after = await probe(`${server} came back`, Date.now());
    const alive = primary.running;
    if (after.ok && alive) outagesSurvived++;
    check(`${server} stopped ${SCALE.outageMs / 1000} s under load`, after.ok && alive, `${alive ? 'worker kept running' : 'worker exited'}; ${after.detail}`);
    if (!alive) { primary = spawnWorker(`worker-a-after-${server}`); await started(primary, RECOVERY_BOUND_MS); }
  }

  // SIGTERM under load: a clean, prompt drain; then back up.
  await sleep(5_000);
  const term = await primary.terminate();
  check('SIGTERM under load drains and exits 0', term.code === 0 && term.ms < 30_000, `exit ${term.code} after ${term.ms} ms`);
  primary = spawnWorker('worker-a-final');
  await started(primary, RECOVERY_BOUND_MS);

  // Stop the load, let every command be answered, then compare with the oracle.
  await sleep(SCALE.settleMs);
  loading = false;
  await load;
  const prediction = await predict([servers.kafkaBrokers], servers.schemaRegistryUrl, commandsTopic, DEFAULT_MAX_MESSAGE_BYTES);
  const expectedIds = [...prediction.outcomes.keys()];
  const settled = await waitAnswered(expectedIds, 180_000);
  say(`${prediction.messages} messages on the commands topic, ${expectedIds.length} distinct commands; ${settled === null ? 'not all answered in 180 s' : `all answered ${settled} ms after the load stopped`}`);
  await sleep(2_000);
  const finalStop = await primary.terminate();
  const probeLatency = probes.map((p) => {
    const r = collector.received.find((x) => x.topic === env['CONSENT_RESULTS_TOPIC'] && x.key === p.commandId);
    return `${p.what}: ${r && r.value ? `${Date.parse(String(r.value['processedAt'])) - p.sentAt} ms` : 'unanswered'}`;
  });
  say(`latency of a command sent right after each fault (behind the backlog): ${probeLatency.join('; ')}`);

  const resultsTopic = env['CONSENT_RESULTS_TOPIC'];
  const byCommand = new Map<string, Set<string>>();
  for (const r of collector.received) {
    if (r.topic !== resultsTopic || !r.value) continue;
    const outcomes = byCommand.get(r.key) ?? new Set<string>();
    outcomes.add(`${String(r.value['statusCode'])}/${String(r.value['requestId'])}`);
    byCommand.set(r.key, outcomes);
  }
  const missing = expectedIds.filter((id) => !byCommand.has(id));
  const several = expectedIds.filter((id) => (byCommand.get(id)?.size ?? 0) > 1);
  check('every command has exactly one outcome', missing.length === 0 && several.length === 0,
    `${expectedIds.length} commands; ${missing.length} without a result${missing.length ? ` (e.g. ${missing.slice(0, 3).join(', ')})` : ''}; ${several.length} with more than one outcome${several.length ? ` (e.g. ${several.slice(0, 3).map((id) => `${id}: ${[...(byCommand.get(id) ?? [])].join(', ')}`).join('; ')})` : ''}`);
  const wrong = expectedIds.filter((id) => {
    const got = [...(byCommand.get(id) ?? [])][0]?.split('/')[0];
    return got !== undefined && got !== prediction.outcomes.get(id);
  });
  check('every outcome equals the oracle\'s status code', wrong.length === 0,
    `${wrong.length} differ${wrong.length ? `: ${wrong.slice(0, 5).map((id) => `${id} got ${[...(byCommand.get(id) ?? [])][0]} expected ${prediction.outcomes.get(id)}`).join('; ')}` : ''}`);
  const dlqKeys = new Set(collector.received.filter((r) => r.topic === `${commandsTopic}.dlq`).map((r) => r.key));
  const notDead = prediction.deadLetters.filter((k) => !dlqKeys.has(k));
  check('every undecodable message is in the DLQ', notDead.length === 0, `${prediction.deadLetters.length} expected, ${notDead.length} missing`);

  const mongo = await new MongoClient(servers.mongodbUri).connect();
  const db = mongo.db(env['MONGODB_DATABASE'] as string);
  const docs = await db.collection<{ _id: string; version: number; state: Consent }>('consents').find({}).toArray();
  const storedRevisions = await db.collection<StoredRevision & { _id: string }>('consent_revisions').find({}).toArray();
  await mongo.close();
  const stored = new Map(docs.map((d) => [d._id, d]));
  const fields = ['version', 'kind', 'status', 'serviceId', 'userId', 'consentType', 'consentData', 'expiryTime', 'sourceUserId', 'targetOrgId', 'expiry', 'decidedBy'] as const;
  const differs: string[] = [];
  for (const [id, expected] of prediction.consents) {
    const doc = stored.get(id);
    if (!doc) { differs.push(`${id} missing`); continue; }
    for (const f of fields) if (JSON.stringify(doc.state[f]) !== JSON.stringify(expected[f])) differs.push(`${id}.${f}: ${JSON.stringify(doc.state[f])} ≠ ${JSON.stringify(expected[f])}`);
  }
  const extra = docs.filter((d) => !prediction.consents.has(d._id)).map((d) => d._id);
  check('stored state equals the oracle\'s (lost 0, applied twice 0)', differs.length === 0 && extra.length === 0,
    `${prediction.consents.size} consents; ${differs.length} differences${differs.length ? ` (${differs.slice(0, 4).join('; ')})` : ''}; ${extra.length} not expected`);

  const events = new Map<string, Map<number, Set<string>>>();
  for (const r of collector.received) {
    if (r.topic !== env['CONSENT_EVENTS_TOPIC'] || !r.value) continue;
    const perVersion = events.get(String(r.value['aggregateId'])) ?? new Map<number, Set<string>>();
    const ids = perVersion.get(Number(r.value['version'])) ?? new Set<string>();
    ids.add(String(r.value['eventId']));
    perVersion.set(Number(r.value['version']), ids);
    events.set(String(r.value['aggregateId']), perVersion);
  }
  let missingEvents = 0;
  let clashing = 0;
  for (const [id, expected] of prediction.consents) {
    const perVersion = events.get(id) ?? new Map<number, Set<string>>();
    for (let v = 1; v <= expected.version; v++) {
      const ids = perVersion.get(v);
      if (!ids) missingEvents++;
      else if (ids.size > 1) clashing++;
    }
    for (const v of perVersion.keys()) if (v < 1 || v > expected.version) clashing++;
  }
  check('event versions per aggregate contiguous, one eventId per version after dedupe', missingEvents === 0 && clashing === 0,
    `${missingEvents} missing, ${clashing} duplicate or unexpected versions`);

  const publishedEvents = collector.received.flatMap((r) => (r.topic === env['CONSENT_EVENTS_TOPIC'] && r.value
    ? [{ aggregateId: String(r.value['aggregateId']), version: Number(r.value['version']), revisionHash: (r.value['revisionHash'] as string | null | undefined) ?? null }]
    : []));
  const ledger = ledgerFindings(prediction.revisions, storedRevisions, docs, publishedEvents);
  check('one revision per change: none lost, doubled or out of order; every chain verifies; events carry their revision\'s hash',
    ledgerHolds(ledger), `${storedRevisions.length} revisions stored; ${summarise(ledger)}`);

  // A commandId the suite sent more than once (a hostile class) is answered again by design.
  const sentIds = new Map<string, number>();
  for (const { commandId } of source.sent) if (commandId !== null) sentIds.set(commandId, (sentIds.get(commandId) ?? 0) + 1);
  const stale = repeatsAfterRedisOutage(collector.received, redisMarks, (commandId) => sentIds.get(commandId) !== 1);
  check(`after the Redis outage nothing is published again but what was in flight (first published < ${REPEAT_AGE_MS / 1000} s before it)`, stale.old === 0,
    `${stale.results} results and ${stale.events} events published again (same ids) between Redis stopping and FerretDB stopping; `
    + `${stale.old} of them first published more than ${REPEAT_AGE_MS / 1000} s before Redis stopped${stale.examples.length ? ` (e.g. ${stale.examples.join(', ')})` : ''}`);

  const classes = new Set([...hostileTried]);
  check('at least 20 hostile input classes tried', classes.size >= 20, `${classes.size} of ${HOSTILE_CLASSES.length + 3}`);
  check('the worker stops cleanly at the end', finalStop.code === 0, `exit ${finalStop.code} after ${finalStop.ms} ms`);

  // Nothing to delete: the private stack is wiped at the next run's start, and stopped now.
  const within = (work: Promise<unknown>, ms: number) => Promise.race([work.catch(() => undefined), sleep(ms)]);
  await within(collector.stop(), 10_000);
  await within(producer.disconnect(), 10_000);
  await within(admin.disconnect(), 5_000);
  await stopWorkers();
  if (process.env['FAULTS_KEEP_STACK'] !== '1') await stopPrivateStack();

  // The session the workers joined with (what the broker accepted), from their own log line.
  const sessionLine = JSON.parse(primary.logLines('consumer group session')[0] ?? '{}') as { sessionTimeoutMs?: number; heartbeatIntervalMs?: number };
  const groupSession = { sessionTimeoutMs: sessionLine.sessionTimeoutMs ?? null, heartbeatIntervalMs: sessionLine.heartbeatIntervalMs ?? null };
  say(`the workers' group session: ${groupSession.sessionTimeoutMs} ms, heartbeat ${groupSession.heartbeatIntervalMs} ms`);

  const summary = {
    date: new Date().toISOString(), scale: full ? 'full' : 'seed', commands: expectedIds.length, messages: prediction.messages,
    killsSurvived, kills: SCALE.kills, lost: differs.filter((d) => d.endsWith('missing')).length + missing.length,
    appliedTwice: differs.filter((d) => d.includes('.version')).length, eventsMissing: missingEvents, hostileClasses: classes.size,
    outagesSurvived, outages: outages.length, repeatsAfterRedisOutage: stale, replicaJoinMs: joinedMs, sendErrors, probeLatency, durationS: Math.round((Date.now() - t0) / 1000),
    kafkaVersion: FAULTS_KAFKA_VERSION, brokerMinSessionTimeoutMs: Number(process.env['FAULTS_KAFKA_MIN_SESSION_TIMEOUT_MS'] ?? 1_000), ...groupSession,
    // Per kill of one of two replicas: the survivor's takeover of the killed one's partitions and the longest gap on its own.
    survivorPauses: pauses.map((p) => ({ killed: p.killed, restartedAtOnce: p.restartedAtOnce, takeoverMs: p.takeoverMs, ownGapMs: p.ownGapMs })),
  };
  writeFileSync(path.join(logDir, 'summary.json'), JSON.stringify({ summary, checks }, null, 2));
  say(`summary ${JSON.stringify(summary)}`);
  return report(run);
}

/**
 * Issue 19: results (same requestId) and events (same eventId) published again after Redis
 * stopped, up to the next outage. A Redis without persistence comes back without the ledger of
 * what was published, so only what was in flight when it went may be published again: a repeat
 * whose first copy arrived before `settled` (REPEAT_AGE_MS before the stop) is an `old` one.
 */
function repeatsAfterRedisOutage(received: readonly Received[], marks: { settled: number; stopped: number; next: number }, sentTwice: (commandId: string) => boolean) {
  const firstAt = new Map<string, number>();
  const found = { results: 0, events: 0, old: 0, examples: [] as string[] };
  const end = marks.next > marks.stopped ? marks.next : received.length;
  received.slice(0, end).forEach((r, i) => {
    if (!r.value) return;
    const isResult = 'requestId' in r.value;
    if (isResult && sentTwice(r.key)) return;
    const id = isResult ? `result ${r.key}/${String(r.value['requestId'])}` : `event ${String(r.value['eventId'])}`;
    const first = firstAt.get(id);
    if (first === undefined) { firstAt.set(id, i); return; }
    if (i < marks.stopped) return;
    if (isResult) found.results++; else found.events++;
    if (first < marks.settled) {
      found.old++;
      if (found.examples.length < 3) found.examples.push(id);
    }
  });
  return found;
}

function report(run: string): number {
  const failed = checks.filter((c) => !c.ok).length;
  console.log(`\nfault suite ${run}:`);
  for (const c of checks) console.log(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name} — ${c.detail}`);
  console.log(`faults: ${checks.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

// A worker left running would go on retrying against the stopped private stack for as long as
// the machine runs, taking CPU from whatever is measured next.
main().then(async (code) => { await stopWorkers(); process.exit(code); }, async (error: unknown) => {
  console.error(error);
  console.log(`faults: ${checks.filter((c) => c.ok).length} passed, ${checks.filter((c) => !c.ok).length + 1} failed (the suite itself failed: ${(error as Error).message})`);
  await stopWorkers();
  process.exit(1);
});
