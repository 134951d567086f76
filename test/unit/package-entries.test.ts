// What the package offers by name, checked as a user reaches it: the operator CLI through
// `npx consent-worker` (package.json "bin"), and the producer client through `import 'consent-worker'`
// (package.json "exports"), both run by Node's type stripping with no build step.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const PATH = `${path.join(ROOT, 'node_modules/.bin')}${path.delimiter}${process.env['PATH'] ?? ''}`;

describe('the package entries', () => {
  it('runs the operator CLI as `npx consent-worker --help`', async () => {
    const { stdout } = await run('npx', ['--offline', 'consent-worker', '--help'], { cwd: ROOT, env: { ...process.env, PATH }, timeout: 30_000 });
    for (const command of ['schemas register', 'dlq list', 'dlq replay', 'show consent', 'show entity', 'parked list', 'parked retry']) {
      expect(stdout).toContain(command);
    }
  });

  it('exports the typed producer client as the package itself', async () => {
    const script = "const m = await import('consent-worker'); console.log(typeof m.ConsentWorkerClient.connect, typeof m.CommandTimeoutError)";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, timeout: 30_000 });
    expect(stdout.trim()).toBe('function function');
  });
});
