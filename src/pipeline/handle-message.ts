// One command message: decode → (DLQ) → idempotency → validate → apply → result.
import { randomUUID } from 'node:crypto';
import { refuse, type Decision } from '../domain/decision.ts';
import { isRejection } from '../domain/status.ts';
import type { Logger } from '../logging/logger.ts';
import { applyCommand, type PipelineDeps } from './apply-command.ts';
import { sendToDeadLetter } from './dead-letter.ts';
import { isInfrastructureError } from './errors.ts';
import type { AnyFamilyRuntime, DomainCommand } from './family.ts';
import type { InboundMessage } from './ports.ts';
import { resultOf, unexpectedResult, type ResultBody, type ResultHeader } from './result.ts';

export interface MessageDeps extends PipelineDeps {
  readonly logger: Logger;
}

async function publishResult(deps: MessageDeps, runtime: AnyFamilyRuntime, body: ResultBody | unknown, commandId: string): Promise<void> {
  await deps.bus.publish([{ topic: runtime.resultsTopic, key: commandId, value: await runtime.resultEncoder.encode(body) }]);
}

/** Stores the result first, so a redelivery after a crash answers the same, then publishes it. */
async function reply(deps: MessageDeps, runtime: AnyFamilyRuntime, body: ResultBody): Promise<void> {
  await deps.results.put({ commandId: body.commandId, family: runtime.family.name, body });
  await publishResult(deps, runtime, body, body.commandId);
}

export async function handleCommandMessage(deps: MessageDeps, runtime: AnyFamilyRuntime, message: InboundMessage): Promise<void> {
  const where = { topic: message.topic, partition: message.partition, offset: message.offset };
  const startedAt = performance.now();
  const answered = (commandType: string, statusCode: string): void =>
    deps.observer.commandAnswered(runtime.family.name, commandType, statusCode, (performance.now() - startedAt) / 1_000);
  const decoded = await runtime.decoder.decode(message.value);
  if (!decoded.ok) {
    deps.logger.warn({ ...where, reason: decoded.reason, detail: decoded.detail }, 'undecodable message sent to the DLQ');
    await sendToDeadLetter(deps.bus, message, decoded.reason, decoded.detail, deps.clock());
    deps.observer.deadLettered(message.topic, decoded.reason);
    return;
  }
  const { envelope } = decoded;
  const header: ResultHeader = { envelope, requestId: randomUUID() };
  const log = deps.logger.child({ commandId: envelope.commandId, requestId: header.requestId, commandType: envelope.commandType });

  const earlier = await deps.results.get(envelope.commandId);
  if (earlier) {
    log.debug({ ...where }, 'duplicate commandId: answering with the stored result');
    await publishResult(deps, runtime, earlier.body, envelope.commandId);
    return;
  }

  let command: DomainCommand | null = null;
  try {
    // The family's parse is the domain's door: envelope rules included, every 400 is decided there.
    const parsed = runtime.family.parse(envelope, deps.clock());
    if (isRejection(parsed)) {
      log.info({ statusCode: parsed.statusCode, field: parsed.field }, 'command refused as invalid');
      await reply(deps, runtime, resultOf(runtime, header, null, refuse(parsed), deps.clock()));
      answered(envelope.commandType, parsed.statusCode);
      return;
    }
    command = parsed as DomainCommand;
    const outcome = await applyCommand(deps, runtime, command, {
      log,
      remember: true,
      resultFor: (decision: Decision<unknown, unknown>, now: Date) => resultOf(runtime, header, command, decision, now),
    });
    if (outcome.kind === 'reply') {
      const { reply: decision } = outcome;
      log[decision.rejection ? 'info' : 'debug']({ statusCode: decision.statusCode, errorCode: decision.rejection?.errorCode }, 'command answered without a change');
      await reply(deps, runtime, resultOf(runtime, header, command, decision, deps.clock()));
      answered(envelope.commandType, decision.statusCode);
    } else if (outcome.kind === 'written') {
      log.debug({ statusCode: outcome.change.statusCode, events: outcome.change.events.length }, 'command applied');
      answered(envelope.commandType, outcome.change.statusCode);
    } else {
      // Applied already (a crash, or a copy of this command processed just before): any owed
      // messages went out with the flush, and the stored result is answered again.
      const stored = await deps.results.get(envelope.commandId);
      if (stored) await publishResult(deps, runtime, stored.body, envelope.commandId);
      log.info('command was applied before; answering with its stored result');
    }
  } catch (error) {
    if (isInfrastructureError(error)) throw error; // the batch retries it; nothing is skipped
    log.error({ err: error }, 'unexpected failure; answering 500');
    await reply(deps, runtime, unexpectedResult(header, deps.clock()));
    answered(envelope.commandType, '500');
  }
}
