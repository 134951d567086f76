// One raw-pipe run: a fresh topic, the client's child process, its answer.
import { fork } from 'node:child_process';
import { openSync } from 'node:fs';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import type { ClientName } from './bench-client.ts';
import { createTopic, deleteTopic } from './broker.ts';
import type { RawPipeResult, RawPipeSettings } from './messages.ts';

export interface RawPipeRun extends RawPipeResult {
  readonly client: ClientName;
}

export async function runRawPipe(kafka: Kafka, settings: RawPipeSettings, partitions: number, logFile: string): Promise<RawPipeRun> {
  await createTopic(kafka, settings.topic, partitions);
  try {
    const out = openSync(logFile, 'a');
    const child = fork(path.join(import.meta.dirname, 'raw-pipe-child.ts'), [JSON.stringify(settings)], { stdio: ['ignore', out, out, 'ipc'] });
    const result = await new Promise<RawPipeResult>((resolve, reject) => {
      child.once('message', (message) => { resolve(message as RawPipeResult); });
      child.once('exit', (code) => { reject(new Error(`raw-pipe-child (${settings.client}) exited ${code} without a result; see ${logFile}`)); });
    });
    return { ...result, client: settings.client };
  } finally {
    await deleteTopic(kafka, settings.topic);
  }
}
