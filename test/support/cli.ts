// Runs the operator CLI as an operator would (node on bin/consent-worker.mjs), pointed at a
// harness's servers, database, Redis prefix and topics through the worker's own variables.
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../../src/config/config.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/consent-worker.mjs');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function envOf(config: Config): Record<string, string> {
  const t = config.topics;
  return {
    KAFKA_BROKERS: config.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: config.schemaRegistryUrl,
    MONGODB_URI: config.mongodbUri,
    MONGODB_DATABASE: config.mongodbDatabase,
    REDIS_URL: config.redisUrl,
    REDIS_KEY_PREFIX: config.redisKeyPrefix,
    CONSENT_COMMANDS_TOPIC: t.consentCommands,
    CONSENT_RESULTS_TOPIC: t.consentResults,
    CONSENT_EVENTS_TOPIC: t.consentEvents,
    SERVICE_POLICY_EVENTS_TOPIC: t.servicePolicyEvents,
    PERMISSION_COMMANDS_TOPIC: t.permissionCommands,
    PERMISSION_RESULTS_TOPIC: t.permissionResults,
    PERMISSION_EVENTS_TOPIC: t.permissionEvents,
    LOG_LEVEL: 'warn',
  };
}

/** `env`: variables the harness's config does not carry back (a Redis Cluster's, its password file). */
export function runCli(config: Config, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...envOf(config), ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The lines of a `--json` listing, parsed. */
export const jsonLines = <T>(stdout: string): T[] => stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
