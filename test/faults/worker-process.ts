// The worker as production runs it: `node src/main.ts`, its own process, its log in a file.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export class WorkerProcess {
  readonly name: string;
  readonly logFile: string;
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);
  readonly env: Record<string, string>;

  constructor(name: string, env: Record<string, string>, logDir: string) {
    this.name = name;
    this.env = env;
    this.logFile = path.join(logDir, `${name}.log`);
  }

  start(): void {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    // Several workers run on this host at once: each takes any free ops port (OPS_PORT defaults to 9464).
    const child = spawn(process.execPath, ['src/main.ts'], {
      cwd: ROOT, env: { ...process.env, OPS_PORT: '0', OPS_HOST: '127.0.0.1', ...this.env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    this.spawnFailed = false;
    // A failed spawn (the node binary gone, e.g. node_modules being reinstalled) is an 'error'
    // event: unhandled, it ended the suite at once and left the other workers running.
    this.exited = new Promise((resolve) => {
      child.on('exit', (code) => resolve(code));
      child.on('error', (error) => { this.spawnFailed = true; log.write(`spawn failed: ${error.message}\n`); resolve(null); });
    });
  }

  private spawnFailed = false;

  get running(): boolean {
    return this.child !== null && !this.spawnFailed && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** kill -9: no stop path at all. */
  async kill9(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM; resolves with the exit code and how long the drain took, or null code after the timeout. */
  async terminate(timeoutMs = 60_000): Promise<{ code: number | null; ms: number }> {
    const t0 = Date.now();
    this.child?.kill('SIGTERM');
    const code = await Promise.race([this.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs))]);
    if (code === 'timeout') {
      await this.kill9();
      return { code: null, ms: Date.now() - t0 };
    }
    return { code, ms: Date.now() - t0 };
  }

  exitedWith(): Promise<number | null> {
    return this.exited;
  }

  /**
   * What its log said at WARN and above since `sinceMs`, most frequent first, so a failed check
   * prints why (CI keeps only the output, not the logs): e.g. `12× server unavailable… (mongodb: …)`.
   */
  troubleSince(sinceMs: number, max = 4): string {
    let text = '';
    try { text = readFileSync(this.logFile, 'utf8'); } catch { return 'no log'; }
    const counts = new Map<string, number>();
    for (const line of text.split('\n')) {
      let entry: { level?: number; time?: number; msg?: string; err?: { message?: string }; error?: string };
      try { entry = JSON.parse(line); } catch { continue; }
      if ((entry.level ?? 0) < 40 || (entry.time ?? 0) < sinceMs || entry.msg === 'undecodable message sent to the DLQ') continue;
      const cause = (entry.err?.message ?? entry.error ?? '').slice(0, 80);
      const key = `${entry.level === 40 ? 'WARN' : 'ERROR'} ${entry.msg ?? ''}${cause ? ` (${cause})` : ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    if (counts.size === 0) return `${this.name}: no warnings`;
    return `${this.name}: ${[...counts].sort((a, b) => b[1] - a[1]).slice(0, max).map(([k, n]) => `${n}× ${k}`).join('; ')}`;
  }

  /** Lines of its log whose msg matches. */
  logLines(msg: string): string[] {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').filter((l) => l.includes(`"msg":"${msg}`));
    } catch {
      return [];
    }
  }
}
