// The package's public entry for producer services: `import { ConsentWorkerClient } from 'consent-worker'`.
export { ConsentWorkerClient, CommandTimeoutError, DEFAULT_TOPICS, type ClientOptions, type ClientTopics, type SendOptions } from './consent-worker-client.ts';
export { ClientOptionsError } from './options.ts';
export type * from './commands.ts';
export type * from './results.ts';
