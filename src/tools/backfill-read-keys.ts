// `npm run api:backfill-keys`: gives consents written before the read API existed their read
// keys (ownerKey, accessKey, orgKey, subjectKey; domain/consent/read-keys.ts), so the lists, the
// access check and the receipt find them. The worker writes the keys with every consent it writes, so this runs once,
// after upgrading. Each update is conditional on the version read: a consent the worker rewrote
// meanwhile already has its keys and is left alone. Safe to run again, and beside the worker.
import { MongoClient } from 'mongodb';
import { loadConfig } from '../config/config.ts';
import { loadOrExit } from '../config/load-or-exit.ts';
import type { Consent } from '../domain/consent/consent.ts';
import { readKeysOf } from '../domain/consent/read-keys.ts';
import { CONSENTS } from '../catalogue/collections.ts';

const [config] = loadOrExit(() => loadConfig());
const client = await new MongoClient(config.mongodbUri).connect();
const consents = client.db(config.mongodbDatabase).collection<{ _id: string; version: number; state: Consent }>(CONSENTS);
let updated = 0;
let skipped = 0;
// One pass over the consents lacking keys (a scan on FerretDB, once); writes one at a time, as
// the worker does (FerretDB 1.24 hangs on large bulk writes).
// subjectKey came last (the receipt): a consent without it lacks it or all of them. Service
// policies share the collection and have no read keys (no consentId).
for await (const doc of consents.find({ subjectKey: { $exists: false }, 'state.consentId': { $exists: true } }, { projection: { _id: 1, version: 1, state: 1 } })) {
  const outcome = await consents.updateOne({ _id: doc._id, version: doc.version }, { $set: { ...readKeysOf(doc.state) } });
  if (outcome.matchedCount === 1) updated += 1;
  else skipped += 1;
}
console.log(`read keys written on ${updated} consents; ${skipped} changed meanwhile (the worker wrote their keys)`);
await client.close();
