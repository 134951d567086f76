// Runs once before all test files: finds the real servers and hands them to the tests.
import type { TestProject } from 'vitest/node';
import { dockerAvailable, startContainers } from './containers.ts';
import { nativeStackServers, serversFromEnv, type Servers } from './servers.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    servers: Servers;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const fromEnv = serversFromEnv();
  if (fromEnv) {
    project.provide('servers', fromEnv);
    return undefined;
  }
  if (process.env['CONSENT_TEST_DOCKER'] !== '0' && (await dockerAvailable())) {
    const { servers, stop } = await startContainers();
    project.provide('servers', servers);
    return stop;
  }
  project.provide('servers', nativeStackServers());
  return undefined;
}
