// Where the milliseconds of a command go at a low rate, from the worker's own spans (issue 19):
// a worker (tracing on, exporting OTLP/JSON to a sink in this process) is sent CreateConsent at a
// fixed rate, open loop, and each command's time is cut at its span's and its round's marks:
//   to worker   client send → the worker's command span starts (the command's trip through Kafka)
//   decode      command span start → its round starts (decode, stored-result look-up, cutting rounds)
//   lease       round start → "leased" (leases + owing mark, one Redis burst)
//   write       "leased" → "written" (load, decide, conditional write, revision)
//   produce     "written" → "published" (encode, the acked produce of result and event)
//   to client   "published" → the result reaches the client (its fetch)
// The offset commit is on a timer, off this path (COMMIT_INTERVAL_MS). Tracing costs CPU of its
// own, so this measures where time goes, not what a command costs (bench/profile-one-by-one.ts).
// Usage: node bench/round-phases.ts [rate=100] [seconds=10]
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ATTRIBUTE } from '../src/pipeline/command-tracing.ts';
import { sleep } from '../src/wait/sleep.ts';
import { startLoneWorker } from './lone-worker.ts';

const rate = Number(process.argv[2] ?? 100);
const seconds = Number(process.argv[3] ?? 10);

interface OtlpSpan { spanId: string; name: string; startTimeUnixNano: string; endTimeUnixNano: string; attributes?: { key: string; value: { stringValue?: string } }[]; events?: { name: string; timeUnixNano: string }[]; links?: { spanId: string }[] }
const spans = new Map<string, OtlpSpan>();
const sink = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
    for (const r of body.resourceSpans ?? []) for (const s of r.scopeSpans ?? []) for (const span of s.spans ?? []) spans.set(span.spanId, span);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

const worker = await startLoneWorker({
  tag: 'phase', dir: process.env['PROFILE_DIR'] ?? '/tmp/cwbench-profile', env: { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, OTEL_BSP_SCHEDULE_DELAY: '200' },
});
const { client } = worker;

// Open loop: sent at the rate whatever the answers do; each command's send and receipt times kept.
const sent = new Map<string, { at: number; back: number }>();
const pending: Promise<void>[] = [];
const count = rate * seconds;
const started = Date.now();
for (let i = 0; i < count; i++) {
  const due = started + (i * 1_000) / rate;
  const wait = due - Date.now();
  if (wait > 0) await sleep(wait);
  const at = Date.now();
  pending.push(client.send(worker.createConsent(i)).then((result) => {
    sent.set(String(result.commandId), { at, back: Date.now() });
  }));
}
await Promise.all(pending);
await sleep(1_500); // the last spans' export
await worker.stop();
sink.close();

// ---- each command's time, cut at its marks ----
const ms = (nano: string | undefined): number => Number(BigInt(nano ?? '0') / 1_000n) / 1_000;
const phases: Record<string, number[]> = { 'to worker': [], decode: [], lease: [], write: [], produce: [], 'to client': [], total: [] };
for (const span of spans.values()) {
  const commandId = span.attributes?.find((a) => a.key === ATTRIBUTE.commandId)?.value.stringValue;
  const client = commandId ? sent.get(commandId) : undefined;
  const round = span.links?.map((l) => spans.get(l.spanId)).find((r) => r?.name.endsWith(' round'));
  if (!client || !round) continue;
  const event = (name: string) => ms(round.events?.find((e) => e.name === name)?.timeUnixNano);
  const marks = [client.at, ms(span.startTimeUnixNano), ms(round.startTimeUnixNano), event('leased'), event('written'), event('published'), client.back];
  ['to worker', 'decode', 'lease', 'write', 'produce', 'to client'].forEach((name, i) => phases[name]?.push((marks[i + 1] as number) - (marks[i] as number)));
  phases['total']?.push(client.back - client.at);
}
const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
console.log(`${count} CreateConsent at ${rate}/s, open loop, tracing on; ${phases['total']?.length} commands matched to their spans`);
console.log('phase        p50 ms  p90 ms  p99 ms');
for (const [name, values] of Object.entries(phases)) {
  console.log(`${name.padEnd(11)} ${quantile(values, 0.5).toFixed(1).padStart(7)} ${quantile(values, 0.9).toFixed(1).padStart(7)} ${quantile(values, 0.99).toFixed(1).padStart(7)}`);
}
process.exit(0);
