// The start of every process entry (worker, read API, tools): its configurations, or every bad
// variable of all of them named on stderr and exit code 2 before anything connects. Anything
// other than a configuration error is a bug and is thrown.
import { ConfigError, type ConfigIssue } from './config.ts';

/** Exit code of a process whose configuration is invalid. */
export const CONFIGURATION_EXIT_CODE = 2;

/** Runs every loader, then exits 2 naming the issues of all that failed, or returns what each loaded. */
export function loadOrExit<T extends readonly unknown[]>(...loads: { [K in keyof T]: () => T[K] }): T {
  const issues: ConfigIssue[] = [];
  const loaded = loads.map((load) => {
    try {
      return load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues);
      return undefined;
    }
  });
  if (issues.length === 0) return loaded as unknown as T;
  for (const issue of issues) console.error(`configuration error: ${issue.variable}: ${issue.message}`);
  process.exit(CONFIGURATION_EXIT_CODE);
}
