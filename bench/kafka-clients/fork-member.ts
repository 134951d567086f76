// Starting a group member as a child process (a process so SIGKILL takes it as a crash would).
import { fork } from 'node:child_process';
import { openSync } from 'node:fs';
import path from 'node:path';
import type { FromMember, MemberSettings } from './messages.ts';

export interface MemberProcess {
  readonly member: string;
  readonly startedAt: number;
  /** SIGKILL: no LeaveGroup, no commit, as a crash. */
  kill(): void;
}

export function forkMember(settings: MemberSettings, logFile: string, onMessage: (message: FromMember) => void): MemberProcess {
  const out = openSync(logFile, 'a');
  const child = fork(path.join(import.meta.dirname, 'member-child.ts'), [JSON.stringify(settings)], { stdio: ['ignore', out, out, 'ipc'] });
  child.on('message', (message) => { onMessage(message as FromMember); });
  return { member: settings.member, startedAt: Date.now(), kill: () => { child.kill('SIGKILL'); } };
}
