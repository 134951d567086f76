// `consent-worker import <file.ndjson>`: migrates consents through the normal command path. Each
// line becomes a CreateConsent sent with the producer client (src/client) to the consent commands
// topic and its result awaited, so every rule, revision and event applies as for any producer.
// Idempotent (commandIds derived from the lines, import/import-line.ts), resumable (the
// checkpoint, import/checkpoint.ts), paced (--rate), with a progress bar and a rate on stderr and
// the refused lines reported at the end (docs/import-export.md).
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandTimeoutError, ConsentWorkerClient, type ClientOptions } from '../../client/consent-worker-client.ts';
import type { CommandResult } from '../../client/results.ts';
import type { Config } from '../../config/config.ts';
import type { Output } from '../output.ts';
import { startProgress } from '../progress.ts';
import { defaultStatePath, readCheckpoint, type Refused } from '../import/checkpoint.ts';
import { isLineRefusal, parseImportLine, type ImportCommand } from '../import/import-line.ts';
import { OrderedCheckpoint, type Outcome } from '../import/ordered-checkpoint.ts';
import { pacer } from '../import/pacer.ts';
import { sendWindow } from '../import/send-window.ts';

export interface ImportOptions {
  readonly file: string;
  /** Where the checkpoint is kept; beside the input when absent. */
  readonly statePath?: string;
  /** Commands started per second at most; unlimited when absent. */
  readonly rate?: number;
  /** Commands awaiting their result at once. */
  readonly concurrency: number;
  /** How long one command's result is awaited before it is sent again (same commandId). */
  readonly timeoutMs: number;
  readonly json: boolean;
}

// The window keeps every partition's next round waiting while the worker applies the current
// one: a worker round is at most COMMIT_EVERY (256) commands of a partition, the commands topic
// has 6 partitions by default, so 2 × 256 × 6 ≈ 3,000 in flight. With 500 (83 a partition) the
// worker applied small rounds and paid its per-round cost for few commands (docs/benchmarks/import-export.md).
// At 1,000 results a second that is 3 s of waiting per command, well within the timeout.
export const IMPORT_DEFAULTS = { concurrency: 3_000, timeoutMs: 30_000 } as const;

// A command whose result did not come in time may still be applied: sending it again under the
// same commandId is safe (answered from the stored result). After these many tries the run stops.
const SEND_TRIES = 5;

type Connect = (options: ClientOptions) => Promise<ConsentWorkerClient>;

async function countLines(file: string): Promise<number> {
  let lines = 0;
  for await (const _ of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) lines += 1;
  return lines;
}

/** The field an Avro encoder refused (paths like payload › consentworker.v1.CreateConsent › consentData). */
function encodingRefusal(error: unknown): { field: string | null; message: string } | null {
  const paths = (error as { paths?: unknown }).paths;
  if (!Array.isArray(paths)) return null;
  const first = (paths[0] as string[] | undefined) ?? [];
  const field = first.filter((part) => part !== 'payload' && !part.startsWith('consentworker.')).join('.') || null;
  return { field, message: `cannot be encoded with the topic's schema: ${(error as Error).message}` };
}

async function sendLine(client: ConsentWorkerClient, command: ImportCommand, line: number, timeoutMs: number): Promise<CommandResult | Refused> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await client.send({ commandType: 'CreateConsent', commandId: command.commandId, payload: command.payload }, { timeoutMs });
    } catch (error) {
      const unencodable = encodingRefusal(error);
      if (unencodable) return { line, statusCode: '400', errorCode: 'NOT_ENCODABLE', consentId: command.consentId, ...unencodable };
      if (attempt >= SEND_TRIES) throw error;
      // A timeout is retried at once (the command is on its way); a failed produce after a pause.
      if (!(error instanceof CommandTimeoutError)) await sleep(500 * attempt);
    }
  }
}

function outcomeOf(sent: CommandResult | Refused, line: number, consentId: string | null, runStartedAt: string): Outcome {
  if (!('commandType' in sent)) return { kind: 'refused', refused: sent };
  if (sent.statusCode.startsWith('2')) {
    // A stored result replayed as it was keeps its processedAt: applied by an earlier run.
    return { kind: sent.processedAt < runStartedAt ? 'replayed' : 'applied' };
  }
  return {
    kind: 'refused',
    refused: { line, statusCode: sent.statusCode, errorCode: sent.errorCode, field: sent.field, message: sent.message, consentId },
  };
}

function report(out: Output, refused: readonly Refused[], json: boolean): void {
  const sorted = [...refused].sort((a, b) => a.line - b.line);
  if (json) {
    for (const r of sorted) out.line(JSON.stringify(r));
    return;
  }
  if (sorted.length === 0) return;
  out.line('line\tstatus\terrorCode\tfield\tconsentId\tmessage');
  for (const r of sorted) out.line([r.line, r.statusCode, r.errorCode ?? '-', r.field ?? '-', r.consentId ?? '-', r.message ?? ''].join('\t'));
}

function connectImportClient(config: Config, connect: Connect): Promise<ConsentWorkerClient> {
  return connect({
    brokers: config.kafkaBrokers,
    registryUrl: config.schemaRegistryUrl,
    clientId: `${config.clientId}-import`,
    topics: {
      consentCommands: config.topics.consentCommands,
      consentResults: config.topics.consentResults,
      permissionCommands: config.topics.permissionCommands,
      permissionResults: config.topics.permissionResults,
    },
  });
}

/** How a run ended, for its summary. */
interface RunEnd {
  readonly input: string;
  readonly statePath: string;
  readonly total: number;
  readonly fromLine: number;
  readonly started: number;
  readonly failure: unknown;
  readonly interrupted: boolean;
  readonly json: boolean;
}

/** Reports the refused lines and the run's counts; the exit code: 1 failed or refused, 130 interrupted, else 0. */
async function summarise(out: Output, checkpoint: OrderedCheckpoint, end: RunEnd): Promise<number> {
  const seconds = (Date.now() - end.started) / 1_000;
  const finished = checkpoint.line >= end.total;
  const { applied, replayed, refused } = checkpoint;
  report(out, refused, end.json);
  out.error(`import ${path.basename(end.input)}: ${checkpoint.line}/${end.total} lines answered; ${applied} applied, ${replayed} already applied `
    + `(answered from stored results), ${refused.length} refused; ${Math.round((checkpoint.line - end.fromLine) / Math.max(seconds, 0.001))} lines/s this run`
    + (finished ? '' : `; resume with the same command (checkpoint ${end.statePath})`));
  if (end.failure !== null) {
    out.error(`import stopped: ${(end.failure as Error).message}`);
    return 1;
  }
  // Done: the checkpoint served its purpose. Running the file again sends every line again, and
  // the worker answers each from its stored result (nothing changes).
  if (finished) await rm(end.statePath, { force: true });
  if (end.interrupted && !finished) return 130;
  return refused.length > 0 ? 1 : 0;
}

export async function importConsents(config: Config, options: ImportOptions, out: Output, connect: Connect = ConsentWorkerClient.connect): Promise<number> {
  const input = path.resolve(options.file);
  const statePath = options.statePath ?? defaultStatePath(input);
  const start = await readCheckpoint(statePath, input);
  const total = await countLines(input);
  const client = await connectImportClient(config, connect);
  const runStartedAt = new Date().toISOString();
  const progress = startProgress({ label: 'import', unit: 'lines', total: total - start.line });
  const pace = pacer(options.rate ?? Number.POSITIVE_INFINITY);
  const checkpoint = new OrderedCheckpoint(start, statePath, progress);
  const settle = (line: number, outcome: Outcome): void => checkpoint.settle(line, outcome);
  const fromLine = start.line;

  // SIGINT/SIGTERM: stop reading, await what is in flight, keep the checkpoint, exit 130.
  let interrupted = false;
  const interrupt = (): void => { interrupted = true; };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  const slots = sendWindow(options.concurrency);
  let failure: unknown = null;
  const started = Date.now();
  try {
    let line = 0;
    for await (const text of createInterface({ input: createReadStream(input), crlfDelay: Infinity })) {
      line += 1;
      if (line <= checkpoint.line) continue;
      if (interrupted || failure !== null) break;
      if (text.trim() === '') {
        settle(line, { kind: 'blank' });
        continue;
      }
      const command = parseImportLine(text);
      if (isLineRefusal(command)) {
        settle(line, { kind: 'refused', refused: { line, consentId: null, ...command } });
        continue;
      }
      await slots.acquire();
      await pace.next();
      const at = line;
      void sendLine(client, command, at, options.timeoutMs)
        .then((sent) => settle(at, outcomeOf(sent, at, command.consentId, runStartedAt)))
        .catch((error: unknown) => { failure ??= error; })
        .finally(() => slots.release());
    }
    await slots.drained();
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await client.close();
    await checkpoint.save();
    progress.done();
  }

  return summarise(out, checkpoint, { input, statePath, total, fromLine, started, failure, interrupted, json: options.json });
}
