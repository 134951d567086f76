// One group member, a child process of main.ts (so it can be killed with SIGKILL): consumes the
// kill scenario's topic with the client and group setting it is given and reports each hand-over
// (partition, time) to the parent every 100 ms.
import { benchClient } from './clients.ts';
import type { FromMember, MemberSettings } from './messages.ts';

const settings = JSON.parse(process.argv[2] ?? '{}') as MemberSettings;
const tell = (message: FromMember): void => { process.send?.(message); };
const member = settings.member;

let pending: [number, number][] = [];
setInterval(() => {
  if (pending.length === 0) return;
  tell({ op: 'receipts', member, receipts: pending });
  pending = [];
}, 100);

const client = benchClient(settings.client, settings.brokers, `bench-${member}`);
process.once('SIGTERM', () => { void client.close().finally(() => process.exit(0)); });
try {
  await client.consume(settings.group, (partition) => { pending.push([partition, Date.now()]); });
  tell({ op: 'joined', member });
} catch (error) {
  tell({ op: 'failed', member, error: String(error) });
  process.exit(1);
}
