#!/usr/bin/env node
// `npx consent-worker …`: runs the operator CLI, src/cli/main.ts, on Node 24's type stripping.
// Plain JS so that npm can link it as a bin. It starts a second node rather than importing the
// CLI so that one flag can be given: kafkajs 2.2.4 sets timers with negative durations (Node
// clamps them to 1 ms, harmlessly) and Node 24 prints a TimeoutNegativeWarning for each, which
// would bury the CLI's own output. Only that warning type is silenced; every other one still prints.
import { spawn } from 'node:child_process';
import { fileURLToPath, URL } from 'node:url';

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', main, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exitCode = code ?? 1;
});
