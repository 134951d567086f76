// A probe, run by hand (the worker that answers nothing after FerretDB comes back, docs/faults.md):
// one worker process under a light, steady load through Kafka on the fault suite's private stack,
// FerretDB stopped and started PROBE_RESTARTS times (default 12) with outages cycling through
// PROBE_OUTAGES_S (default "1,3,6,10,15" seconds; the stop lands while writes are in flight). After
// each start, a worker that publishes nothing for PROBE_STALL_S (default 20) seconds is a stall.
// Wrap it like the suite: `flock /tmp/faults.lock node test/faults/mongo-outage-probe.ts`.
// PROBE_RATE (commands/s, default 60), PROBE_POOL (consents, default 600); PROBE_REDIS_FIRST_S
// (seconds, default 0: none) stops Redis that long before each FerretDB stop, as the fault suite does.
import { sleep } from '../../src/wait/sleep.ts';
import { TopicCollector } from '../support/topic-collector.ts';
import { startServer, stopServer } from './private-stack.ts';
import { say, startProbe } from './probe-load.ts';

process.removeAllListeners('warning');
const RATE = Number(process.env['PROBE_RATE'] ?? 60);
const POOL = Number(process.env['PROBE_POOL'] ?? 600);
const RESTARTS = Number(process.env['PROBE_RESTARTS'] ?? 12);
const OUTAGES_S = (process.env['PROBE_OUTAGES_S'] ?? '1,3,6,10,15').split(',').map(Number);
const STALL_MS = Number(process.env['PROBE_STALL_S'] ?? 20) * 1_000;
const REDIS_FIRST_MS = Number(process.env['PROBE_REDIS_FIRST_S'] ?? 0) * 1_000;
const LOOPS = 4;

async function main(): Promise<void> {
  const probe = await startProbe({ name: 'mongo-probe', rate: RATE, pool: POOL, loops: LOOPS });
  const { run, env, worker, kafka, registry } = probe;
  say(`run ${run}: worker started; logs in ${probe.logDir}; ${RATE}/s over ${POOL} consents; ${RESTARTS} restarts of ${OUTAGES_S.join(', ')} s`);
  const results = env['CONSENT_RESULTS_TOPIC'] as string;
  const collector = new TopicCollector(kafka, registry, [results]);
  await collector.start([results], `cwprobe-collector-${run}`);

  await sleep(10_000);
  const answered: number[] = [];
  let stalls = 0;
  for (let i = 0; i < RESTARTS; i++) {
    const seconds = OUTAGES_S[i % OUTAGES_S.length] as number;
    if (REDIS_FIRST_MS > 0) {
      await stopServer('redis');
      await sleep(REDIS_FIRST_MS);
      await startServer('redis');
      await sleep(5_000);
    }
    // Stop while a write is in flight: right after a result arrived, the next round is writing.
    const seen = collector.received.length;
    const waitFrom = Date.now();
    while (collector.received.length === seen && Date.now() - waitFrom < 30_000) await sleep(5);
    await stopServer('mongo');
    const faultAt = Date.now();
    await sleep(seconds * 1_000);
    await startServer('mongo');
    const back = collector.received.length;
    const backAt = Date.now();
    while (collector.received.length === back && Date.now() - backAt < STALL_MS + 40_000) await sleep(100);
    const gap = Date.now() - backAt;
    const stalled = gap > STALL_MS;
    if (stalled) stalls++;
    answered.push(gap);
    say(`restart ${i + 1}: FerretDB down ${seconds} s; ${stalled ? 'STALL: nothing' : 'answering again'} ${(gap / 1000).toFixed(1)} s after it was back${stalled ? `; ${worker.troubleSince(faultAt, 6)}` : ''}`);
    await sleep(5_000);
  }
  await probe.stopLoad();
  say(`${stalls} stalls in ${RESTARTS} restarts (answering again after: ${answered.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s)`);
  await collector.stop().catch(() => undefined);
  await probe.close();
  process.exitCode = stalls > 0 ? 1 : 0;
}

main().then(() => process.exit(process.exitCode ?? 0), (error: unknown) => { console.error(error); process.exit(1); });
