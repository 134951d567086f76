#!/usr/bin/env node
// `npx consent-worker …`: runs the operator CLI (TypeScript, run by Node 24's type stripping).
// Plain JS so that npm can link it as a bin; the work happens in src/cli/main.ts.
import { run } from '../src/cli/main.ts';
import { loadConfig } from '../src/config/config.ts';
import { STDIO } from '../src/cli/output.ts';

process.exitCode = await run(process.argv.slice(2), () => loadConfig(), STDIO);
