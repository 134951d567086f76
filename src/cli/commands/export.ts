// `consent-worker export --service S [--revisions]`: NDJSON on stdout of the service's user
// consents as a reader sees them now (read-time expiry applied), one line each in the import
// format (docs/import-export.md), read a page at a time so memory stays flat however many there
// are. Progress and rate on stderr.
import { Writable } from 'node:stream';
import { once } from 'node:events';
import { connectMongo } from '../../adapters/mongodb/mongo-store.ts';
import { chainsOfPage, serviceConsentPages } from '../../adapters/mongodb/service-consents.ts';
import type { Config } from '../../config/config.ts';
import { exportLineOf } from '../export/export-line.ts';
import type { Output } from '../output.ts';
import { startProgress } from '../progress.ts';

export interface ExportOptions {
  readonly serviceId: string;
  readonly revisions: boolean;
}

const PAGE = 1_000;

/** Writes and waits when the pipe is full, so a slow reader slows the export instead of filling memory. */
async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

export async function exportConsents(config: Config, options: ExportOptions, out: Output, stream: Writable = process.stdout): Promise<number> {
  const mongo = await connectMongo(config.mongodbUri, config.mongodbDatabase);
  const progress = startProgress({ label: 'export', unit: 'consents', total: 0 });
  let count = 0;
  const started = Date.now();
  try {
    for await (const page of serviceConsentPages(mongo.db, options.serviceId, PAGE, options.revisions)) {
      // With --revisions, the page's revisions by their ids, a thousand a query (index-answered).
      const chains = options.revisions ? await chainsOfPage(mongo.db, page) : null;
      const now = new Date();
      let text = '';
      page.forEach(({ consent }, i) => {
        const history = chains ? { revisions: chains[i]!, include: true } : null;
        text += `${JSON.stringify(exportLineOf(consent, now, history))}\n`;
      });
      await write(stream, text);
      count += page.length;
      progress.advance(page.length, page.length);
    }
  } finally {
    progress.done();
    await mongo.close();
  }
  const seconds = Math.max((Date.now() - started) / 1_000, 0.001);
  out.error(`export ${options.serviceId}: ${count} consents in ${seconds.toFixed(1)} s (${Math.round(count / seconds)}/s)`);
  return 0;
}
