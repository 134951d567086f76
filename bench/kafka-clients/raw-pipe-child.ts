// Raw pipe, a child process of main.ts for one client: produce `records` records of the worker's
// size (acks=all, idempotent) in awaited request sets, then consume them all in a fresh group.
// Rate and this process's CPU per record for each phase go back to the parent.
import { randomBytes } from 'node:crypto';
import type { OutRecord } from './bench-client.ts';
import { benchClient } from './clients.ts';
import type { PhaseCost, RawPipeResult, RawPipeSettings } from './messages.ts';

const settings = JSON.parse(process.argv[2] ?? '{}') as RawPipeSettings;
const cpuMs = (): number => { const { user, system } = process.cpuUsage(); return (user + system) / 1000; };

const payload = randomBytes(settings.recordBytes);
const records: OutRecord[] = Array.from({ length: settings.records }, (_, i) => ({ key: Buffer.from(`command-${i}`), value: payload }));

async function produce(): Promise<PhaseCost> {
  const client = benchClient(settings.client, settings.brokers, `${settings.groupId}-producer`);
  const cpu0 = cpuMs();
  const t0 = performance.now();
  for (let i = 0; i < records.length; i += settings.batch) await client.produce(settings.topic, records.slice(i, i + settings.batch));
  const result = { records: records.length, ms: performance.now() - t0, cpuMs: cpuMs() - cpu0 };
  await client.close();
  return result;
}

async function consume(): Promise<RawPipeResult['consume']> {
  const client = benchClient(settings.client, settings.brokers, `${settings.groupId}-consumer`);
  const cpu0 = cpuMs();
  const t0 = performance.now();
  let first = 0;
  let seen = 0;
  const { promise: allSeen, resolve } = Promise.withResolvers<number>();
  const timer = setTimeout(() => resolve(performance.now()), settings.timeoutMs);
  await client.consume({
    groupId: settings.groupId, topic: settings.topic, protocol: 'classic', assignor: 'eager', groupInstanceId: null,
    sessionTimeoutMs: 30_000, heartbeatIntervalMs: 3_000, rebalanceTimeoutMs: 60_000, maxWaitMs: settings.maxWaitMs, autocommitIntervalMs: 1_000,
  }, (_partition, count) => {
    if (seen === 0) first = performance.now();
    seen += count;
    if (seen >= settings.records) resolve(performance.now());
  });
  const last = await allSeen;
  clearTimeout(timer);
  // From the consumer's start: a fetch can hand over most of the topic at once, so first-to-last
  // would time little but decoding; the join is a cost every fresh consumer pays too.
  const result = { records: seen, ms: last - t0, cpuMs: cpuMs() - cpu0, joinMs: first - t0 };
  await client.close();
  return result;
}

const result: RawPipeResult = { op: 'raw-pipe', produce: await produce(), consume: await consume() };
process.send?.(result);
process.exit(0);
