// Loaded with `node --import` before src/main.ts: once the worker runs, emits one warning the log
// must show and one kafkajs-style TimeoutNegativeWarning it must drop.
setTimeout(() => {
  process.emitWarning('a test warning that must reach the log', { code: 'CW_TEST_WARNING' });
  process.emitWarning('-1 is a negative number (kafkajs on Node 24)', 'TimeoutNegativeWarning');
}, 1_500);
