// The exit codes the ops module gives both processes agree with the configuration's own.
import { describe, expect, it } from 'vitest';
import { CONFIGURATION_EXIT_CODE } from '../../../src/config/load-or-exit.ts';
import { EXIT } from '../../../src/ops/process-lifecycle.ts';

describe('exit codes', () => {
  it('exits 2 for a configuration error wherever it is found (a bad variable, a taken OPS_PORT)', () => {
    expect(EXIT.configuration).toBe(CONFIGURATION_EXIT_CODE);
  });
});
