// `npm run test:fast`: every test that needs no server (the domain tables, the pipeline's rules
// over in-memory ports, the docs links), without the global setup that finds or starts the
// servers, so a developer can run it on every save. `npm test` (vitest.config.ts) runs these too,
// once, with everything else. test/package (the package built and installed as a dependent
// would, ~45 s of compiling) needs no server either but is left to `npm test`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/fast/**/*.test.ts'],
    // No server to wait on; the margin is for a machine busy with other work (two cores, shared).
    testTimeout: 30_000,
    hookTimeout: 60_000, // the boundaries test runs dependency-cruiser twice in its beforeAll
    maxWorkers: 2,
    // One worker runs many files: no file of these mocks a module or changes a global, and a new
    // worker per file costs more than most of the files take.
    isolate: false,
    reporters: ['default'],
  },
});
