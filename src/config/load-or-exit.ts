// The start of every process entry (worker, read API, tools): its configuration, or every bad
// variable named on stderr and exit code 2 before anything connects. Anything other than a
// configuration error is a bug and is thrown.
import { ConfigError } from './config.ts';

/** Exit code of a process whose configuration is invalid. */
export const CONFIGURATION_EXIT_CODE = 2;

export function loadOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const issue of error.issues) console.error(`configuration error: ${issue.variable}: ${issue.message}`);
    process.exit(CONFIGURATION_EXIT_CODE);
  }
}
