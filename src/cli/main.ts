// The operator CLI, `npx consent-worker <command>` (bin/consent-worker.mjs runs this file).
// Connections come from the same environment variables as the worker (src/config/config.ts).
// Exit codes: 0 done, 1 failed or refused, 2 bad usage.
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config/config.ts';
import { listDeadLetters, replayDeadLetters, type DlqOptions } from './commands/dlq.ts';
import { exportConsents, type ExportOptions } from './commands/export.ts';
import { IMPORT_DEFAULTS, importConsents, type ImportOptions } from './commands/import.ts';
import { listParked, retryParked } from './commands/parked.ts';
import { verifyReceiptFile, writeReceipt, type ReceiptOptions } from './commands/receipt.ts';
import { registerSchemas } from './commands/schemas.ts';
import { SHOWN_COLLECTIONS, showAggregate, type Shown } from './commands/show.ts';
import { verifyAll, verifyConsent } from './commands/verify.ts';
import { STDIO, type Output } from './output.ts';

export const HELP = `consent-worker — operator commands (connections from KAFKA_BROKERS, SCHEMA_REGISTRY_URL,
MONGODB_URI, MONGODB_DATABASE, REDIS_URL, REDIS_KEY_PREFIX and the topic variables, as the worker)

  schemas register                      register the six topic schemas (BACKWARD), print their ids
  import <file.ndjson> [--rate N] [--state PATH] [--concurrency N] [--json]
                                        create the file's consents through the commands topic
                                        (docs/import-export.md); idempotent, resumable; refused lines
                                        reported at the end (a table, NDJSON with --json), exit 1 if any
  export --service S [--revisions]      NDJSON of the service's consents (read-time expiry applied),
                                        with each one's revisions in order with --revisions
  dlq list   [dlq options] [--json]     list dead letters: partition@offset, key, reason, source
  dlq replay [dlq options] [--dry-run]  produce them again (original key and bytes, without the
                                        dlq.* headers) onto the commands topic they came from
      dlq options: --topic consent|permission (default consent)  --reason R
                   --partition P  --from-offset A  --to-offset B (inclusive, per partition)
  show consent <consentId>              the stored document, outbox bodies parsed, parked or not
  show entity <entityId>
  parked list [--limit N] [--json]      aggregates parked after repeated failures
  parked retry <collection> <id>        release one from the lot; a consent goes back into the
                                        expiry schedule at its due time
  verify consent <consentId>            recompute the consent's revision chain (docs/ledger.md);
                                        names the first broken link, exit 1 when broken
  verify --all                          every consent's chain, streamed, progress and rate on stderr
  receipt --user U [--out FILE]         the receipt for a data subject (docs/receipt.md): every consent
                                        held about U across services with its revision chain, as JSON
  verify-receipt <file>                 check a receipt offline (no connection, no configuration):
                                        digest, totals, each chain; names the first broken link, exit 1
  --help                                this text
`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function integer(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return value;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      rate: { type: 'string' },
      state: { type: 'string' },
      concurrency: { type: 'string' },
      service: { type: 'string' },
      revisions: { type: 'boolean' },
      json: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      topic: { type: 'string' },
      reason: { type: 'string' },
      partition: { type: 'string' },
      'from-offset': { type: 'string' },
      'to-offset': { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean' },
      user: { type: 'string' },
      out: { type: 'string' },
    },
  });
}

type Parsed = ReturnType<typeof parse>;

function importOptions(file: string | undefined, extra: readonly string[], values: Parsed['values']): ImportOptions {
  if (file === undefined || extra.length > 0) throw new UsageError('import needs exactly one file (NDJSON, one consent a line)');
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  if (rate !== undefined && !(rate > 0)) throw new UsageError(`--rate must be a positive number of commands per second, got ${JSON.stringify(values.rate)}`);
  const concurrency = integer('concurrency', values.concurrency) ?? IMPORT_DEFAULTS.concurrency;
  if (concurrency < 1) throw new UsageError('--concurrency must be at least 1');
  return {
    file, concurrency, timeoutMs: IMPORT_DEFAULTS.timeoutMs, json: values.json ?? false,
    ...(rate !== undefined ? { rate } : {}),
    ...(values.state !== undefined ? { statePath: values.state } : {}),
  };
}

function exportOptions(extra: string | undefined, values: Parsed['values']): ExportOptions {
  if (extra !== undefined) throw new UsageError(`export takes no positional argument, got ${JSON.stringify(extra)}`);
  if (values.service === undefined) throw new UsageError('export needs --service S');
  return { serviceId: values.service, revisions: values.revisions ?? false };
}

function receiptOptions(extra: string | undefined, values: Parsed['values']): ReceiptOptions {
  if (extra !== undefined) throw new UsageError(`receipt takes no positional argument, got ${JSON.stringify(extra)}`);
  if (values.user === undefined) throw new UsageError('receipt needs --user U');
  return { userId: values.user, ...(values.out !== undefined ? { out: values.out } : {}) };
}

/** `receipt` reads the store; `verify-receipt` only its file: it never calls config(), so it needs no server nor setting. */
async function runReceiptCommand(group: 'receipt' | 'verify-receipt', action: string | undefined, rest: readonly string[], values: Parsed['values'], config: () => Config, out: Output): Promise<number> {
  if (group === 'receipt') return writeReceipt(config(), receiptOptions(action, values), out);
  if (action === undefined || rest.length > 0) throw new UsageError('verify-receipt needs exactly one file');
  return verifyReceiptFile(action, out);
}

function dlqOptions(values: Parsed['values']): DlqOptions {
  const family = values.topic ?? 'consent';
  if (family !== 'consent' && family !== 'permission') throw new UsageError(`--topic must be consent or permission, got ${JSON.stringify(family)}`);
  const partition = integer('partition', values.partition);
  const fromOffset = integer('from-offset', values['from-offset']);
  const toOffset = integer('to-offset', values['to-offset']);
  return {
    family,
    json: values.json ?? false,
    ...(values.reason !== undefined ? { reason: values.reason } : {}),
    ...(partition !== undefined ? { partition } : {}),
    ...(fromOffset !== undefined ? { fromOffset } : {}),
    ...(toOffset !== undefined ? { toOffset } : {}),
  };
}

export async function run(argv: readonly string[], config: () => Config, out: Output): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(argv);
  } catch (error) {
    out.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [group, action, ...rest] = positionals;
  if (group === 'verify' && values.all) {
    if (action !== undefined) return usage(out, 'verify takes either --all or consent <consentId>');
    return runReporting(out, positionals, () => verifyAll(config(), out));
  }
  if (values.help || group === undefined || group === 'help') {
    out.line(HELP);
    return 0;
  }
  try {
    if (group === 'import') return await importConsents(config(), importOptions(action, rest, values), out);
    if (group === 'export') return await exportConsents(config(), exportOptions(action, values), out);
    if (group === 'receipt' || group === 'verify-receipt') return await runReceiptCommand(group, action, rest, values, config, out);
    switch (`${group} ${action ?? ''}`.trim()) {
      case 'schemas register':
        return await registerSchemas(config(), out);
      case 'dlq list':
        return await listDeadLetters(config(), dlqOptions(values), out);
      case 'dlq replay':
        return await replayDeadLetters(config(), { ...dlqOptions(values), dryRun: values['dry-run'] ?? false }, out);
      case 'show consent':
      case 'show entity': {
        const [id] = rest;
        if (!id) throw new UsageError(`show ${action} needs an id`);
        return await showAggregate(config(), action as Shown, id, out);
      }
      case 'verify consent': {
        const [id] = rest;
        if (!id) throw new UsageError('verify consent needs a consentId');
        return await verifyConsent(config(), id, out);
      }
      case 'parked list':
        return await listParked(config(), { limit: integer('limit', values.limit) ?? 100, json: values.json ?? false }, out);
      case 'parked retry': {
        const [collection, id] = rest;
        if (!collection || !id) throw new UsageError('parked retry needs <collection> <id> (e.g. consents c-1)');
        return await retryParked(config(), collection, id, out);
      }
      default:
        throw new UsageError(`unknown command: ${positionals.join(' ')} (show takes ${Object.keys(SHOWN_COLLECTIONS).join(' or ')})`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      out.error(`${error.message}\n\n${HELP}`);
      return 2;
    }
    out.error(`consent-worker ${positionals.join(' ')}: ${(error as Error).message}`);
    return 1;
  }
}

function usage(out: Output, message: string): number {
  out.error(`${message}\n\n${HELP}`);
  return 2;
}

async function runReporting(out: Output, positionals: readonly string[], work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (error) {
    out.error(`consent-worker ${positionals.join(' ')}: ${(error as Error).message}`);
    return 1;
  }
}

// Run when executed (node src/cli/main.ts, or through bin/consent-worker.mjs), not when imported by a test.
if (process.argv[1] && import.meta.filename === (await import('node:fs')).realpathSync(process.argv[1])) {
  process.exitCode = await run(process.argv.slice(2), () => loadConfig(), STDIO);
}
