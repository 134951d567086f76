// Paging a user's consents while the worker creates and updates that user's consents: keyset on
// consentId, so no consent comes twice and none that existed at the first page is skipped. Also
// the page token's tamper evidence, through HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentDocument, userConsentState } from '../support/stored-consents.ts';
import { serviceToken, startReadApiOverWorker, userToken, type ReadApiUnderTest } from '../support/read-api.ts';
import { inMs, type Harness } from '../support/worker-harness.ts';
import { uid } from '../support/ids.ts';

let h: Harness;
let api: ReadApiUnderTest;
let stop: (() => Promise<void>) | undefined;
beforeAll(async () => { ({ h, api, stop } = await startReadApiOverWorker()); });
afterAll(async () => { await stop?.(); });

/** `count` ACTIVE consents of the user, stored as the worker stores them; their ids, sorted. */
async function stored(serviceId: string, userId: string, count: number): Promise<string[]> {
  const expiry = new Date(Date.now() + 3_600_000);
  const docs = Array.from({ length: count }, () =>
    consentDocument(userConsentState(uid('c'), expiry, { serviceId, userId, consentType: 'marketing' })));
  await h.mongo.db(h.config.mongodbDatabase).collection<Record<string, unknown> & { _id: string }>('consents')
    .insertMany(docs as (Record<string, unknown> & { _id: string })[]);
  return docs.map((d) => d['_id'] as string).sort();
}

interface Page { data: { consentId: string; consentVersion: number }[]; nextPageToken: string | null }

async function page(url: string, token: string): Promise<Page> {
  const { status, body } = await api.get(url, token);
  expect(status, JSON.stringify(body)).toBe(200);
  return body as unknown as Page;
}

describe('paging a user list', () => {
  it('returns every consent once across pages of the asked size, with nextPageToken null on the last', async () => {
    const [serviceId, userId] = [uid('svc'), uid('usr')];
    const ids = await stored(serviceId, userId, 23);
    const token = await userToken(userId);
    const base = `/v1/services/${serviceId}/users/${userId}/consents`;
    const seen: string[] = [];
    const sizes: number[] = [];
    let next: string | null = null;
    do {
      const p: Page = await page(`${base}?limit=10${next ? `&pageToken=${encodeURIComponent(next)}` : ''}`, token);
      sizes.push(p.data.length);
      seen.push(...p.data.map((c) => c.consentId));
      next = p.nextPageToken;
    } while (next !== null);
    expect(sizes).toEqual([10, 10, 3]);
    expect(seen).toEqual(ids);
  });

  it('skips nothing that existed at the first page and repeats nothing while consents are created and updated', async () => {
    const [serviceId, userId] = [uid('svc'), uid('usr')];
    const existing = await stored(serviceId, userId, 40);
    const token = await serviceToken(serviceId);
    const base = `/v1/services/${serviceId}/users/${userId}/consents?limit=4`;

    // Writes through Kafka for as long as the paging lasts: new consents (ids sorting anywhere)
    // and updates of existing ones (a new version, same id).
    let paging = true;
    const writes = (async () => {
      let version = 2;
      let created = 0;
      while (paging) {
        const target = existing[(version * 7) % existing.length] as string;
        const creating = h.consent('CreateConsent', {
          consentId: uid('n'), serviceId, userId, status: 'ACTIVE', consentType: 'marketing', consentData: {}, expiryTime: inMs(3_600_000),
        });
        const updating = version <= 12
          ? h.consent('UpdateConsent', { consentId: existing[0], serviceId, userId, consentVersion: version, consentData: { v: String(version) } })
          : h.consent('UpdateConsent', { consentId: target, serviceId, userId, consentVersion: 2, consentData: { touched: 'yes' } });
        await Promise.all([creating.then((id) => h.result(id)), updating.then((id) => h.result(id))]);
        version += 1;
        created += 1;
      }
      return created;
    })();

    const seen: string[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const p: Page = await page(next ? `${base}&pageToken=${encodeURIComponent(next)}` : base, token);
      seen.push(...p.data.map((c) => c.consentId));
      next = p.nextPageToken;
      pages += 1;
      await new Promise((resolve) => setTimeout(resolve, 60)); // let writes land between pages
    } while (next !== null);
    paging = false;
    const created = await writes;

    expect(created).toBeGreaterThan(0); // the writes really ran while paging
    expect(pages).toBeGreaterThanOrEqual(10);
    expect(new Set(seen).size).toBe(seen.length); // no duplicates
    expect(existing.filter((id) => !seen.includes(id))).toEqual([]); // none skipped
    expect([...seen].sort()).toEqual(seen); // one order throughout
  });
});

describe('page tokens through HTTP', () => {
  it('refuses an altered, a forged and another list\'s token with 400 INVALID_PAGE_TOKEN', async () => {
    const [serviceId, userId] = [uid('svc'), uid('usr')];
    await stored(serviceId, userId, 3);
    const token = await serviceToken(serviceId);
    const base = `/v1/services/${serviceId}/users/${userId}/consents`;
    const first = await page(`${base}?limit=1`, token);
    const good = first.nextPageToken as string;
    expect(good).toEqual(expect.any(String));
    const [body, mac] = good.split('.') as [string, string];
    const rewritten = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), a: '' })).toString('base64url');
    const otherUser = uid('usr');
    await stored(serviceId, otherUser, 3);
    const foreign = (await page(`/v1/services/${serviceId}/users/${otherUser}/consents?limit=1`, token)).nextPageToken as string;

    for (const bad of [`${rewritten}.${mac}`, `${body}.${mac.slice(0, -3)}abc`, 'forged', foreign]) {
      const { status, body: error } = await api.get(`${base}?pageToken=${encodeURIComponent(bad)}`, token);
      expect(status).toBe(400);
      expect(error).toMatchObject({ cspErrorCode: '400', errorCode: 'INVALID_PAGE_TOKEN', statusCode: 400 });
    }
    expect((await api.get(`${base}?pageToken=${encodeURIComponent(good)}`, token)).status).toBe(200);
  });
});
