// `consent-worker verify consent <id>` and `verify --all`: recompute the consent ledger's hash
// chains from what is stored and compare each chain's end with its consent document (version and
// lastRevisionHash), so an edited, deleted (the last one too) or reordered revision is caught; each
// broken chain is named with its first broken link. Exit 1 when any chain is broken.
// --all streams the consents through one cursor in ascending id, each page's revisions read by
// their ids, the next page's read overlapping this page's hashing.
import { connectMongo } from '../../adapters/mongodb/mongo-store.ts';
import { ledgerReads, type ConsentLedgerHead, type LedgerReads } from '../../adapters/mongodb/revision-reads.ts';
import type { Config } from '../../config/config.ts';
import { verifyChain, type ChainVerdict, type StoredRevision } from '../../domain/ledger/verify-chain.ts';
import type { Output } from '../output.ts';
import { startProgress } from '../progress.ts';

/** Consents per page of --all. */
const PAGE = 500;

/**
 * The stored revisions plus those the document still owes in its outbox (written with the state,
 * not yet stored: a flush in flight, or a crash the next start-up recovers), in revision order.
 */
function chainOf(stored: readonly StoredRevision[], head: ConsentLedgerHead | null): StoredRevision[] {
  const ids = new Set(stored.map((r) => r._id));
  const owed = (head?.pending ?? []).filter((r) => !ids.has(r._id));
  return owed.length === 0 ? [...stored] : [...stored, ...owed].sort((a, b) => Number(a.revision) - Number(b.revision));
}

/**
 * A break seen while the worker writes may be a change in flight: the document and its revisions
 * were read apart (a revision is stored before its publish, the document read a moment earlier at
 * the version before). So a break is read again, the revisions FIRST and the document after: a
 * revision enters the collection only once the document holds it in its outbox, and leaves the
 * outbox only once stored, so in that order every revision up to the document's version is seen
 * in one place or the other. Only a break that is still there is reported.
 */
async function confirmed(reads: LedgerReads, verdict: ChainVerdict): Promise<ChainVerdict> {
  if (!verdict.firstBreak) return verdict;
  const stored = await reads.revisionsOf(verdict.consentId);
  const head = await reads.head(verdict.consentId);
  return verifyChain(verdict.consentId, chainOf(stored, head), head?.tail ?? null);
}

function report(out: Output, verdict: ChainVerdict): void {
  if (verdict.firstBreak) out.line(`BROKEN ${verdict.consentId} at revision ${verdict.firstBreak.revision}: ${verdict.firstBreak.problem}`);
}

export async function verifyConsent(config: Config, consentId: string, out: Output): Promise<number> {
  const mongo = await connectMongo(config.mongodbUri, config.mongodbDatabase);
  try {
    const reads = ledgerReads(mongo.db);
    // Revisions first, then the document: see confirmed().
    const stored = await reads.revisionsOf(consentId);
    const head = await reads.head(consentId);
    if (!head && stored.length === 0) {
      out.error(`no consent ${consentId} and no revisions of it in ${config.mongodbDatabase}`);
      return 1;
    }
    const verdict = await confirmed(reads, verifyChain(consentId, chainOf(stored, head), head?.tail ?? null));
    if (verdict.firstBreak) {
      report(out, verdict);
      return 1;
    }
    out.line(`OK ${consentId}: ${verdict.revisions} revisions, chain intact up to version ${head?.tail.version}`);
    return 0;
  } finally {
    await mongo.close();
  }
}

/** A page of consents and the read of their revisions, started before the page before is checked. */
interface Page {
  readonly heads: readonly ConsentLedgerHead[];
  readonly revisions: Promise<Map<string, StoredRevision[]>>;
}

async function* pagesOf(reads: LedgerReads): AsyncGenerator<Page> {
  let heads: ConsentLedgerHead[] = [];
  const page = (): Page => {
    const revisions = reads.revisionsOfMany(heads);
    revisions.catch(() => undefined); // awaited when checked; not an unhandled rejection if the run stops first
    return { heads, revisions };
  };
  for await (const head of reads.allHeads()) {
    heads.push(head);
    if (heads.length === PAGE) {
      yield page();
      heads = [];
    }
  }
  if (heads.length > 0) yield page();
}

async function verifyPage(reads: LedgerReads, page: Page): Promise<ChainVerdict[]> {
  const revisions = await page.revisions;
  const verdicts = page.heads.map((head) => verifyChain(head.consentId, chainOf(revisions.get(head.consentId) ?? [], head), head.tail));
  return Promise.all(verdicts.map((verdict) => confirmed(reads, verdict)));
}

export async function verifyAll(config: Config, out: Output, stream: NodeJS.WriteStream = process.stderr): Promise<number> {
  const mongo = await connectMongo(config.mongodbUri, config.mongodbDatabase);
  try {
    const reads = ledgerReads(mongo.db);
    const progress = startProgress({ label: 'verify', unit: 'revisions', total: await reads.estimatedRevisions(), stream });
    let consents = 0;
    let revisions = 0;
    let broken = 0;
    const check = async (page: Page): Promise<void> => {
      for (const verdict of await verifyPage(reads, page)) {
        revisions += verdict.revisions;
        if (verdict.firstBreak) {
          broken++;
          report(out, verdict);
        }
        progress.advance(verdict.revisions, 1);
      }
      consents += page.heads.length;
    };
    // Each page is checked once the next one's read has started: hashing and the server overlap.
    let previous: Page | null = null;
    for await (const page of pagesOf(reads)) {
      if (previous) await check(previous);
      previous = page;
    }
    if (previous) await check(previous);
    progress.done();
    out.line(`${broken === 0 ? 'OK' : 'BROKEN'}: ${consents} consents, ${revisions} revisions verified, ${broken} broken chains`);
    return broken === 0 ? 0 : 1;
  } finally {
    await mongo.close();
  }
}
