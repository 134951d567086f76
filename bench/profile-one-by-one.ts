// Profiles the fixed cost of a round: a worker process (node --cpu-prof) fed one CreateConsent at
// a time, each sent once the previous one's result is in. Writes the .cpuprofile to PROFILE_DIR
// (default /tmp/cwbench-profile) and prints, for the one-at-a-time window alone (start-up and
// shutdown left out), where the worker's CPU went by area and the functions with the most self time.
// Usage: node bench/profile-one-by-one.ts [commands=400]
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startLoneWorker } from './lone-worker.ts';
import { sample, serverPids } from './throughput/process-cpu.ts';

const count = Number(process.argv[2] ?? 400);
const dir = process.env['PROFILE_DIR'] ?? '/tmp/cwbench-profile';
const worker = await startLoneWorker({ tag: 'prof', dir, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
const { client, spawnedAt } = worker;
const pids = serverPids();
const cpuBefore = sample(pids);
const started = Date.now();
for (let i = 0; i < count; i++) {
  const result = await client.send(worker.createConsent(i));
  if (!String(result.statusCode).startsWith('2')) throw new Error(`unexpected ${result.statusCode}`);
}
const ended = Date.now();
const cpuAfter = sample(pids);
const seconds = (ended - started) / 1_000;
console.log(`${count} CreateConsent one at a time in ${seconds.toFixed(1)} s (${(seconds * 1_000 / count).toFixed(1)} ms each, round trip from the client)`);
// The servers are shared: their CPU includes whatever else ran meanwhile (and the client's own requests).
const serverCpu = Object.keys(pids).map((name) => `${name} ${(((cpuAfter.ms[name] ?? 0) - (cpuBefore.ms[name] ?? 0)) / count).toFixed(2)}`);
console.log(`server CPU per command (ms, from /proc, shared servers): ${serverCpu.join(', ')}`);
await worker.stop();

// ---- the profile: self time by function and by file ----
interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }
const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f)).sort().at(-1) as string;
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
// Only the samples of the one-at-a-time window (start-up and shutdown left out): the profile's
// clock starts with the process, which started within a few ms of spawnedAt.
const from = (started - spawnedAt) * 1_000;
const to = (ended - spawnedAt) * 1_000;
const selfUs = new Map<number, number>();
let at = 0;
profile.samples.forEach((id, i) => {
  at += profile.timeDeltas[i] ?? 0;
  if (at >= from && at <= to) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const byFunction = new Map<string, number>();
const byArea = new Map<string, number>();
let total = 0;
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (node.callFrame.functionName === '(idle)') continue;
  total += us;
  const url = node.callFrame.url.replace(/^file:\/\//, '');
  const area = url.includes('node_modules/') ? `node_modules/${url.split('node_modules/')[1]?.split('/')[0]}` : url.includes('/src/') ? `src/${url.split('/src/')[1]?.split('/').slice(0, -1).join('/')}` : (url || node.callFrame.functionName);
  byArea.set(area, (byArea.get(area) ?? 0) + us);
  const name = `${node.callFrame.functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
}
const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => `${(us / 1_000).toFixed(0).padStart(7)} ms ${(100 * us / total).toFixed(1).padStart(5)} %  ${k}`);
console.log(`profile ${file}: ${(total / 1_000).toFixed(0)} ms of CPU (not idle) in the window, ${(total / 1_000 / count).toFixed(2)} ms per command`);
console.log('by area:');
for (const line of top(byArea, 15)) console.log(line);
console.log('by function (self time):');
for (const line of top(byFunction, 25)) console.log(line);
process.exit(0);
