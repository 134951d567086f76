// Smoke: the store speaks the MongoDB wire protocol (the native stack's is FerretDB on SQLite),
// reached through the official driver as the worker reaches it.
import { randomUUID } from 'node:crypto';
import { MongoClient, MongoServerError, type Collection, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

interface SmokeConsent {
  _id: string;
  email: string;
  status: 'granted' | 'withdrawn';
  version: number;
}

const servers = inject('servers');
const client = new MongoClient(servers.mongodbUri);
let db: Db;

/** A collection of its own, in this run's own database. */
function freshCollection(): Collection<SmokeConsent> {
  return db.collection<SmokeConsent>(`consents_${randomUUID().replaceAll('-', '')}`);
}
const freshConsent = (): SmokeConsent => ({
  _id: randomUUID(),
  email: `${randomUUID()}@smoke.test`,
  status: 'granted',
  version: 1,
});

beforeAll(async () => {
  await client.connect();
  db = client.db(`smoke_${randomUUID().replaceAll('-', '').slice(0, 16)}`);
});

afterAll(async () => {
  // Not dropped: FerretDB on SQLite can crash when a database is dropped while mapped (see
  // docs/dev-stack.md); the native stack clears test databases when it next starts FerretDB.
  await client.close();
});

describe('MongoDB', () => {
  it('stores a document and reads it back unchanged', async () => {
    const consents = freshCollection();
    const consent = freshConsent();

    const { insertedId } = await consents.insertOne(consent);

    expect(insertedId).toBe(consent._id);
    expect(await consents.findOne({ _id: consent._id })).toEqual(consent);
  });

  it('refuses a second document with the same value under a unique index with duplicate key 11000', async () => {
    const consents = freshCollection();
    expect(await consents.createIndex({ email: 1 }, { unique: true })).toBe('email_1');
    const first = freshConsent();
    await consents.insertOne(first);

    const insertingTheSameEmail = consents.insertOne({ ...freshConsent(), email: first.email });

    await expect(insertingTheSameEmail).rejects.toBeInstanceOf(MongoServerError);
    await expect(insertingTheSameEmail).rejects.toMatchObject({ code: 11000 });
    expect(await consents.countDocuments({ email: first.email })).toBe(1);
  });

  it('applies a versioned updateOne once and matches nothing when repeated with the stale version', async () => {
    const consents = freshCollection();
    const consent = freshConsent();
    await consents.insertOne(consent);
    const withdrawAtVersion1 = () =>
      consents.updateOne({ _id: consent._id, version: 1 }, { $set: { status: 'withdrawn', version: 2 } });

    const applied = await withdrawAtVersion1();
    const stale = await withdrawAtVersion1();

    expect(applied).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(stale).toMatchObject({ matchedCount: 0, modifiedCount: 0 });
    expect(await consents.findOne({ _id: consent._id })).toMatchObject({ status: 'withdrawn', version: 2 });
  });

  it('applies a versioned replaceOne once and leaves the document alone when given a stale version', async () => {
    const consents = freshCollection();
    const consent = freshConsent();
    await consents.insertOne(consent);

    const applied = await consents.replaceOne(
      { _id: consent._id, version: 1 },
      { email: consent.email, status: 'withdrawn', version: 2 },
    );
    const stale = await consents.replaceOne(
      { _id: consent._id, version: 1 },
      { email: consent.email, status: 'granted', version: 3 },
    );

    expect(applied).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(stale).toMatchObject({ matchedCount: 0, modifiedCount: 0 });
    expect(await consents.findOne({ _id: consent._id })).toEqual({ ...consent, status: 'withdrawn', version: 2 });
  });
});
