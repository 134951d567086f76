// What gating the import's sends costs the CLI in CPU, per send, for a window of W sends in
// flight: the counting window (src/cli/import/send-window.ts) against the Promise.race over the
// in-flight sends it replaced. No server: each "send" settles two event-loop turns after it
// starts, so the window is always full, as in an import that waits on the worker. Race attaches a
// handler to every in-flight send per line, so its cost per send grows with W; the window's does not.
// Run: node bench/import-window-cost.ts (a few seconds of one core).
import { sendWindow } from '../src/cli/import/send-window.ts';

const turn = (): Promise<void> => new Promise<void>((resolve) => { setImmediate(resolve); });
const send = (): Promise<void> => turn().then(turn);

async function byRace(sends: number, size: number): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < sends; i += 1) {
    while (inFlight.size >= size) await Promise.race(inFlight);
    const task: Promise<void> = send().finally(() => inFlight.delete(task));
    inFlight.add(task);
  }
  await Promise.all(inFlight);
}

async function byWindow(sends: number, size: number): Promise<void> {
  const slots = sendWindow(size);
  for (let i = 0; i < sends; i += 1) {
    await slots.acquire();
    void send().finally(() => slots.release());
  }
  await slots.drained();
}

const ways = { race: byRace, window: byWindow } as const;
for (const size of [500, 3_000]) {
  for (const [name, gate] of Object.entries(ways)) {
    // Race: four windows' worth (the first window goes ungated, so its figure is a floor), which
    // keeps the run in seconds; the window: 20,000.
    const sends = name === 'race' ? 4 * size : 20_000;
    const before = process.cpuUsage();
    await gate(sends, size);
    const cpu = process.cpuUsage(before);
    console.log(`${name} window ${size}: ${(((cpu.user + cpu.system) / 1_000) / sends).toFixed(4)} ms of CPU a send (${sends} sends)`);
  }
}
