// What the package offers by name, checked as a user reaches it: the operator CLI through
// `npx consent-worker` (package.json "bin", run from this checkout by Node's type stripping), and
// the producer client through `import 'consent-worker'` (package.json "exports": JavaScript built
// into dist/ by tsconfig.build.json, because Node strips no types under node_modules).
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const PATH = `${path.join(ROOT, 'node_modules/.bin')}${path.delimiter}${process.env['PATH'] ?? ''}`;
const IMPORT_CLIENT = "const m = await import('consent-worker'); console.log(typeof m.ConsentWorkerClient.connect, typeof m.CommandTimeoutError)";

describe('the package entries', () => {
  let dependent: string;
  beforeAll(async () => {
    // The build `npm install` runs (prepare), so the checks below see this tree's client.
    await run('tsc', ['-p', 'tsconfig.build.json'], { cwd: ROOT, env: { ...process.env, PATH }, timeout: 120_000 });
    // A service that depends on consent-worker: the package copied as a pack would hold it, its
    // own dependencies reached through a link.
    dependent = mkdtempSync(path.join(tmpdir(), 'cw-dependent-'));
    const installed = path.join(dependent, 'node_modules/consent-worker');
    mkdirSync(installed, { recursive: true });
    for (const entry of ['package.json', 'dist', 'schemas']) cpSync(path.join(ROOT, entry), path.join(installed, entry), { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(installed, 'node_modules'));
    symlinkSync(path.join(ROOT, 'node_modules/@types'), path.join(dependent, 'node_modules/@types')); // its own @types/node
  }, 150_000);
  afterAll(() => { if (dependent) rmSync(dependent, { recursive: true, force: true }); });

  it('runs the operator CLI as `npx consent-worker --help`', async () => {
    const { stdout } = await run('npx', ['--offline', 'consent-worker', '--help'], { cwd: ROOT, env: { ...process.env, PATH }, timeout: 30_000 });
    for (const command of ['schemas register', 'dlq list', 'dlq replay', 'show consent', 'show entity', 'parked list', 'parked retry']) {
      expect(stdout).toContain(command);
    }
  });

  it('exports the typed producer client as the package itself', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', IMPORT_CLIENT], { cwd: ROOT, timeout: 30_000 });
    expect(stdout.trim()).toBe('function function');
  });

  it('loads the producer client as JavaScript from a dependent service\'s node_modules', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', IMPORT_CLIENT], { cwd: dependent, timeout: 30_000 });
    expect(stdout.trim()).toBe('function function');
    const resolve = "console.log(import.meta.resolve('consent-worker'))";
    const resolved = (await run(process.execPath, ['--input-type=module', '-e', resolve], { cwd: dependent, timeout: 30_000 })).stdout.trim();
    expect(resolved).toMatch(/node_modules\/consent-worker\/dist\/client\/index\.js$/);
  });

  it('gives a dependent service\'s TypeScript the payload types of each command', async () => {
    const send = (status: string): string => `import { ConsentWorkerClient, type CommandResult } from 'consent-worker';
export async function go(): Promise<CommandResult<'CreateConsent'>> {
  const client = await ConsentWorkerClient.connect({ brokers: ['kafka:9092'], registryUrl: 'http://registry:8081' });
  return client.send({ commandType: 'CreateConsent', correlationId: 'x', payload: { consentId: 'c', serviceId: 's', userId: 'u', status: '${status}' } });
}
`;
    const typecheck = async (source: string): Promise<string> => {
      writeFileSync(path.join(dependent, 'service.ts'), source);
      const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2024', '--types', 'node', 'service.ts'];
      return run('tsc', args, { cwd: dependent, env: { ...process.env, PATH }, timeout: 60_000 }).then(() => 'ok', (error: { stdout?: string }) => error.stdout ?? 'failed');
    };
    expect(await typecheck(send('ACTIVE'))).toBe('ok');
    expect(await typecheck(send('NOT_A_STATUS'))).toMatch(/service\.ts.*TS2322/);
  }, 120_000);
});
