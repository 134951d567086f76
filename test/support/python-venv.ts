// A Python virtual environment with a requirements file installed from PyPI, for tests that run
// a producer example written in Python. Built once per (requirements, python3 version) under
// ~/.cache/consent-worker/python/ and reused, so a re-run costs nothing; built beside its final
// place and renamed into it, so a run cut short or a parallel run never leaves a half-built one.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export type PythonVenv =
  | { readonly ok: true; readonly python: string }
  | { readonly ok: false; readonly reason: string };

const cacheRoot = (): string => path.join(process.env['XDG_CACHE_HOME'] ?? path.join(homedir(), '.cache'), 'consent-worker', 'python');

/** The version python3 reports, or null when there is no python3 on PATH. */
function python3Version(): string | null {
  const run = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  return run.status === 0 ? `${run.stdout}${run.stderr}`.trim() : null;
}

/**
 * The venv's interpreter, or why there is none on this machine (no python3, or one without the
 * venv module): the caller skips with that reason. A failing pip install is an error, not a skip.
 */
export function pythonVenv(requirementsFile: string): PythonVenv {
  const version = python3Version();
  if (version === null) return { ok: false, reason: 'python3 is not on PATH' };
  const requirements = readFileSync(requirementsFile, 'utf8');
  const id = createHash('sha256').update(`${version}\n${requirements}`).digest('hex').slice(0, 12);
  const home = path.join(cacheRoot(), id);
  const python = path.join(home, 'bin', 'python');
  if (existsSync(path.join(home, '.installed'))) return { ok: true, python };

  mkdirSync(cacheRoot(), { recursive: true });
  const building = `${home}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const venv = spawnSync('python3', ['-m', 'venv', building], { encoding: 'utf8' });
  if (venv.status !== 0) {
    rmSync(building, { recursive: true, force: true });
    return { ok: false, reason: `python3 -m venv failed (on Debian: apt-get install python3-venv): ${venv.stderr.trim()}` };
  }
  try {
    execFileSync(path.join(building, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirementsFile],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    writeFileSync(path.join(building, '.installed'), requirements);
    renameSync(building, home);
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    // A parallel run finished first: use its venv.
    if (existsSync(path.join(home, '.installed'))) return { ok: true, python };
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`pip install -r ${requirementsFile} failed: ${stderr || (error as Error).message}`, { cause: error });
  }
  return { ok: true, python };
}
