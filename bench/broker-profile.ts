// Where the Kafka broker's CPU goes while something else drives it (issue 19: the broker spent
// 2–3 ms of CPU per command at 100 commands/s, against 0.09 ms at 1,600/s). Two views of one window:
//   - CPU per thread from /proc (user + system, so socket system calls count), grouped by the
//     thread's role (network threads, request handlers, group coordinator, raft, GC, ...);
//   - a Java Flight Recorder profile (the JDK's own sampler, nothing to install): the request
//     handlers' samples by the Kafka API they were serving (the KafkaApis.handle* frame), and the
//     hottest frames overall.
// It drives nothing itself: run it beside a load (e.g. `node bench/round-phases.ts 100 60`), with
// the broker's pid (the stack's: `pgrep -f kafka.Kafka`) and a window shorter than the load.
// Usage: node bench/broker-profile.ts <broker-pid> [seconds=30] [commands-sent-in-the-window]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sleep } from '../src/wait/sleep.ts';

const pid = Number(process.argv[2]);
const seconds = Number(process.argv[3] ?? 30);
const commands = process.argv[4] === undefined ? null : Number(process.argv[4]);
if (!Number.isInteger(pid) || pid <= 0) {
  console.error('usage: node bench/broker-profile.ts <broker-pid> [seconds=30] [commands-sent-in-the-window]');
  process.exit(2);
}
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Thread id → CPU ticks (user + system) so far, and its short (15-character) name. */
function threadTicks(): Map<number, { ticks: number; comm: string }> {
  const out = new Map<number, { ticks: number; comm: string }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      out.set(Number(tid), { ticks: Number(fields[11]) + Number(fields[12]), comm });
    } catch { /* the thread ended meanwhile */ }
  }
  return out;
}

/** A thread's role: its name without the numbers that tell its siblings apart. */
const roleOf = (name: string): string => name
  .replace(/-PLAINTEXT|-SASL_SSL|-SSL|-SASL_PLAINTEXT|-CONTROLLER/g, '')
  .replace(/[-#\s]*\d+/g, '')
  .replace(/-+$/, '') || name;

interface JfrFrame { method: { type: { name: string }; name: string } }
interface JfrSample { values: { sampledThread: { javaName?: string; osThreadId: number }; stackTrace: { frames: JfrFrame[] } | null } }

const dir = mkdtempSync(path.join(tmpdir(), 'broker-profile-'));
const recording = path.join(dir, 'broker.jfr');
const before = threadTicks();
const startedAt = Date.now();
execFileSync('jcmd', [String(pid), 'JFR.start', 'name=broker-profile', 'settings=profile', `filename=${recording}`]);
for (let left = seconds; left > 0; left -= 5) {
  console.log(`[broker-profile] recording ${seconds - left}/${seconds} s`);
  await sleep(Math.min(5, left) * 1000);
}
execFileSync('jcmd', [String(pid), 'JFR.stop', 'name=broker-profile']);
const after = threadTicks();
const windowS = (Date.now() - startedAt) / 1000;

const samples = (JSON.parse(execFileSync('jfr', ['print', '--json', '--events', 'jdk.ExecutionSample', '--stack-depth', '96', recording], { maxBuffer: 1 << 30 }).toString('utf8')) as { recording: { events: JfrSample[] } }).recording.events;
rmSync(dir, { recursive: true, force: true });

const names = new Map<number, string>();
for (const s of samples) if (s.values.sampledThread.javaName) names.set(s.values.sampledThread.osThreadId, s.values.sampledThread.javaName);

/** The recorder's own threads: its cost is the measurement's, not the broker's (its start also makes the JIT compile). */
const isRecorder = (role: string): boolean => role.startsWith('JFR') || role === 'Attach Listener';
const byRole = new Map<string, number>();
let totalTicks = 0;
let recorderTicks = 0;
for (const [tid, { ticks, comm }] of after) {
  const used = ticks - (before.get(tid)?.ticks ?? 0);
  if (used <= 0) continue;
  const role = roleOf(names.get(tid) ?? comm);
  if (isRecorder(role)) {
    recorderTicks += used;
    continue;
  }
  totalTicks += used;
  byRole.set(role, (byRole.get(role) ?? 0) + used);
}
const ms = (ticks: number): number => (ticks * 1000) / TICKS_PER_SECOND;
const share = (part: number, whole: number): string => `${((100 * part) / Math.max(1, whole)).toFixed(1)} %`;

console.log(`\nbroker pid ${pid}, ${windowS.toFixed(1)} s: ${ms(totalTicks).toFixed(0)} ms of CPU (${(ms(totalTicks) / windowS / 10).toFixed(1)} % of a core)`
  + (commands ? `, ${(ms(totalTicks) / commands).toFixed(2)} ms per command over ${commands} commands` : '')
  + ` (the recorder's own threads, ${ms(recorderTicks).toFixed(0)} ms, left out)`);
console.log('\nCPU by thread role (/proc, user + system):');
for (const [role, ticks] of [...byRole].sort((a, b) => b[1] - a[1]).slice(0, 14)) {
  console.log(`  ${role.padEnd(52)} ${ms(ticks).toFixed(0).padStart(7)} ms  ${share(ticks, totalTicks).padStart(7)}`
    + (commands ? `  ${(ms(ticks) / commands).toFixed(3)} ms/cmd` : ''));
}

const frameName = (f: JfrFrame): string => `${f.method.type.name.split('/').pop() ?? ''}.${f.method.name}`;
const byApi = new Map<string, number>();
const hot = new Map<string, number>();
let handlerSamples = 0;
for (const s of samples) {
  const frames = s.values.stackTrace?.frames ?? [];
  if (frames[0]) hot.set(frameName(frames[0]), (hot.get(frameName(frames[0])) ?? 0) + 1);
  if (!(s.values.sampledThread.javaName ?? '').includes('request-handler')) continue;
  handlerSamples++;
  // The innermost KafkaApis.handleXxx names the request; a bare KafkaApis.handle is a delayed
  // operation completed on the way (a fetch or produce waiting in purgatory).
  const api = frames.map(frameName).find((n) => /^KafkaApis\.handle\w+/.test(n)) ?? 'other (purgatory, callbacks)';
  byApi.set(api, (byApi.get(api) ?? 0) + 1);
}
console.log(`\nrequest handlers' samples by Kafka API (JFR, ${handlerSamples} of ${samples.length} samples):`);
for (const [api, n] of [...byApi].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${api.padEnd(52)} ${String(n).padStart(6)}  ${share(n, handlerSamples).padStart(7)}`);
console.log('\nhottest frames, all threads (JFR self samples):');
for (const [frame, n] of [...hot].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${frame.padEnd(52)} ${String(n).padStart(6)}  ${share(n, samples.length).padStart(7)}`);
