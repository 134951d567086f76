// A probe, run by hand (issue 19): one worker process under steady load through Kafka on the fault
// suite's private stack, Redis stopped for each of PROBE_OUTAGES_S (default "11,60") seconds, then
// every result and event read back and those published more than once (same ids) counted per
// outage. Wrap it like the suite: `flock /tmp/faults.lock node test/faults/redis-outage-probe.ts`.
// PROBE_RATE (commands/s, default 400), PROBE_POOL (consents, default 3000).
import { sleep } from '../../src/wait/sleep.ts';
import { TopicCollector } from '../support/topic-collector.ts';
import { startServer, stopServer } from './private-stack.ts';
import { say, startProbe } from './probe-load.ts';

process.removeAllListeners('warning');
const RATE = Number(process.env['PROBE_RATE'] ?? 400);
const POOL = Number(process.env['PROBE_POOL'] ?? 3_000);
const OUTAGES_S = (process.env['PROBE_OUTAGES_S'] ?? '11,60').split(',').map(Number);
const LOOPS = 8;

async function main(): Promise<void> {
  const probe = await startProbe({ name: 'probe', rate: RATE, pool: POOL, loops: LOOPS });
  const { run, env, worker, kafka, registry } = probe;
  say(`run ${run}: worker started; logs in ${probe.logDir}; ${RATE}/s over ${POOL} consents; outages ${OUTAGES_S.join(', ')} s`);
  const sent = probe.sent;
  const results = env['CONSENT_RESULTS_TOPIC'] as string;
  const events = env['CONSENT_EVENTS_TOPIC'] as string;
  const collector = new TopicCollector(kafka, registry, [results, events]);
  await collector.start([results, events], `cwprobe-collector-${run}`);

  // Marks in the received stream: a repeat is counted against the outage before whose end mark... its second copy arrived after.
  const marks: { what: string; at: number }[] = [];
  await sleep(20_000);
  for (const seconds of OUTAGES_S) {
    marks.push({ what: `redis stopped ${seconds} s`, at: collector.received.length });
    say(`stopping redis for ${seconds} s (${collector.received.length} received, ${sent()} sent)`);
    await stopServer('redis');
    await sleep(seconds * 1_000);
    await startServer('redis');
    say('redis started');
    await sleep(40_000);
  }
  await probe.stopLoad();
  const expected = sent();
  // Settled: nothing new for 15 s.
  for (let last = -1; last !== collector.received.length;) { last = collector.received.length; await sleep(15_000); }
  say(`${expected} commands sent; ${collector.received.length} records received`);

  // Per repeat: the outage after whose start its copy arrived, and whether the first copy came
  // before that outage started (published before it) or after (a copy made after it).
  const firstAt = new Map<string, number>();
  const phaseOf = (i: number): number => { let m = -1; for (let k = 0; k < marks.length; k++) if (i >= (marks[k] as { at: number }).at) m = k; return m; };
  const repeats = [-1, ...marks.map((_, k) => k)].map(() => ({ results: 0, events: 0, firstBefore: 0, examples: [] as string[] }));
  collector.received.forEach((r, i) => {
    if (!r.value) return;
    const isResult = r.topic === results;
    const id = isResult ? `r:${r.key}/${String(r.value['requestId'])}` : `e:${String(r.value['eventId'])}`;
    const first = firstAt.get(id);
    if (first === undefined) { firstAt.set(id, i); return; }
    const m = phaseOf(i);
    const bucket = repeats[m + 1] as (typeof repeats)[number];
    if (isResult) bucket.results++; else bucket.events++;
    if (m >= 0 && first < (marks[m] as { at: number }).at) bucket.firstBefore++;
    if (bucket.examples.length < 3 && isResult) bucket.examples.push(`${r.key} (copies at ${first} and ${i})`);
  });
  const line = (b: (typeof repeats)[number]) => `${b.results} results, ${b.events} events (${b.firstBefore} first published before that outage; e.g. ${b.examples.join(', ')})`;
  say(`repeats before any outage: ${line(repeats[0] as (typeof repeats)[number])}`);
  marks.forEach((mark, k) => say(`repeats after ${mark.what} (received index ${mark.at}): ${line(repeats[k + 1] as (typeof repeats)[number])}`));
  say(`worker warnings: ${worker.troubleSince(0, 8)}`);
  await collector.stop().catch(() => undefined);
  await probe.close();
}

main().then(() => process.exit(0), (error: unknown) => { console.error(error); process.exit(1); });
