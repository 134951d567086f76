// `consent-worker receipt --user U [--out file]`: the receipt for a data subject (docs/receipt.md)
// read straight from MongoDB, the same JSON as GET /v1/users/{userId}/receipt (one builder:
// domain/ledger/receipt.ts). `consent-worker verify-receipt <file>` checks one offline: it opens
// no connection and reads no configuration, so anyone holding the file can run it.
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { connectReadStore } from '../../adapters/mongodb/consent-reads.ts';
import type { Config } from '../../config/config.ts';
import { SOFTWARE } from '../../config/software.ts';
import { buildReceipt, RECEIPT_BOUNDS } from '../../domain/ledger/receipt.ts';
import { verifyReceipt } from '../../domain/ledger/verify-receipt.ts';
import { isRejection } from '../../domain/status.ts';
import type { Output } from '../output.ts';

export interface ReceiptOptions {
  readonly userId: string;
  /** Write the receipt here instead of stdout. */
  readonly out?: string;
}

export async function writeReceipt(config: Config, options: ReceiptOptions, out: Output): Promise<number> {
  const store = await connectReadStore(config.mongodbUri, config.mongodbDatabase);
  try {
    const held = await store.subjectLedger(options.userId, RECEIPT_BOUNDS);
    const built = buildReceipt({ receiptId: randomUUID(), principalId: options.userId, generatedAt: new Date(), issuer: SOFTWARE, held });
    if (isRejection(built)) {
      out.error(`receipt ${options.userId}: ${built.statusCode} ${built.errorCode}: ${built.message}`);
      return 1;
    }
    const text = `${JSON.stringify(built, null, 2)}\n`;
    if (options.out === undefined) out.line(text.trimEnd());
    else await writeFile(options.out, text, 'utf8');
    out.error(`receipt ${options.userId}: ${built.totals.consents} consents, ${built.totals.revisions} revisions${options.out === undefined ? '' : ` written to ${options.out}`}`);
    return 0;
  } finally {
    await store.close();
  }
}

/** Exit 0 when every check holds, 1 when any fails (each named), as `verify` does for the store. */
export async function verifyReceiptFile(file: string, out: Output): Promise<number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    out.error(`verify-receipt ${file}: not readable as JSON (${(error as Error).message})`);
    return 1;
  }
  const verdict = verifyReceipt(parsed);
  for (const { consentId, revision, problem } of verdict.problems) {
    out.line(consentId === null ? `BROKEN receipt: ${problem}` : `BROKEN ${consentId} at revision ${revision ?? '-'}: ${problem}`);
  }
  const ok = verdict.problems.length === 0;
  out.line(`${ok ? 'OK' : 'BROKEN'}: ${verdict.consents} consents, ${verdict.revisions} revisions verified, ${verdict.problems.length} problems`);
  return ok ? 0 : 1;
}
