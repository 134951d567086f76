// Fills a database with stored consents quickly, for the variant that shows whether the cost per
// command grows with the collection. The documents are copies of consents the worker itself wrote
// earlier in the run (read back from its database), with the consent id replaced everywhere it
// appears, so their shape is whatever the code in the tree stores, without the benchmark knowing it.
import { MongoClient, type Document } from 'mongodb';

const CONSENTS = 'consents';
/**
 * Documents per insert command. FerretDB 1.24 hangs on write commands of about 100 statements
 * (docs/dev-stack.md, "Where the stand-ins differ"), so insert batches stay well below that.
 */
const PER_INSERT = 25;
const INSERTS_IN_FLIGHT = 4;

/** Deep copy with every occurrence of `from` inside strings replaced by `to`. */
function renamed(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return value.includes(from) ? value.split(from).join(to) : value;
  if (Array.isArray(value)) return value.map((item) => renamed(item, from, to));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renamed(item, from, to)]));
  }
  return value; // dates and other BSON values are kept as they are
}

/** The seeded copy number `copy` of the template consent `id` is named `${id}${suffixOf(copy)}`. */
export const seededSuffix = (copy: number): string => `-s${copy}`;

/**
 * Inserts `count` copies of the consents stored in `fromDb` into `toDb` (which holds nothing of
 * them yet): copy k of template t is named `<t's id>-s<k>`. Returns the templates' ids, in the
 * order copies were made, so the caller can address seeded consents.
 */
export async function seedConsents(
  uri: string, fromDb: string, toDb: string, count: number, progress: (inserted: number) => void,
): Promise<{ templates: number; seconds: number }> {
  const client = await new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 }).connect();
  const started = Date.now();
  try {
    const templates = (await client.db(fromDb).collection<Document>(CONSENTS).find({}).sort({ _id: 1 }).toArray())
      .filter((doc) => doc['owes'] !== true && typeof doc['_id'] === 'string');
    if (templates.length === 0) throw new Error(`no stored consents in ${fromDb} to copy`);
    const target = client.db(toDb).collection<Document>(CONSENTS);
    let next = 0;
    let inserted = 0;
    let lastProgress = Date.now();
    const lane = async (): Promise<void> => {
      while (next < count) {
        const batch: Document[] = [];
        for (; batch.length < PER_INSERT && next < count; next++) {
          const template = templates[next % templates.length] as Document;
          const copy = Math.floor(next / templates.length);
          const id = template['_id'] as string;
          batch.push(renamed(template, id, `${id}${seededSuffix(copy)}`) as Document);
        }
        await target.insertMany(batch, { ordered: false });
        inserted += batch.length;
        if (Date.now() - lastProgress >= 2_000) { progress(inserted); lastProgress = Date.now(); }
      }
    };
    await Promise.all(Array.from({ length: INSERTS_IN_FLIGHT }, lane));
    return { templates: templates.length, seconds: (Date.now() - started) / 1_000 };
  } finally {
    await client.close();
  }
}
