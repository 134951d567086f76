#!/usr/bin/env node
// `npx consent-worker …`: runs the operator CLI, src/cli/main.ts, on Node 24's type stripping.
// Plain JS so that npm can link it as a bin. It runs the CLI in this same process: a launcher that
// started a second node would leave that node running when the launcher is killed (kill -9 cannot
// be forwarded), so an import "stopped" with kill -9 would go on writing in the background.
// kafkajs 2.2.4 sets timers with negative durations (Node clamps them to 1 ms, harmlessly) and
// Node 24 prints a TimeoutNegativeWarning for each, which would bury the CLI's own output: only
// that warning type is silenced; every other one still prints, as Node's own printer would.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'TimeoutNegativeWarning') return;
  process.stderr.write(`(node:${process.pid}) ${warning.name}: ${warning.message}\n`);
});

const { run } = await import('../src/cli/main.ts');
const { loadConfig } = await import('../src/config/config.ts');
const { STDIO } = await import('../src/cli/output.ts');
process.exitCode = await run(process.argv.slice(2), () => loadConfig(), STDIO);
