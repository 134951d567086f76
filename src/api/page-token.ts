// Page tokens of the user list: opaque to callers, tamper-evident (HMAC-SHA256 over the body),
// and bound to the list they came from (service and user). The body holds only the last
// consentId returned: the list is a keyset on consentId, which never changes, so paging while
// consents are created and updated returns no consent twice and skips none that existed when
// the first page was read (one created since with a smaller id is after nothing already read).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError } from './errors.ts';

interface PageBody {
  readonly v: 1;
  readonly s: string; // serviceId
  readonly u: string; // userId
  readonly a: string; // the last consentId (or revision) of the previous page
  readonly k?: string; // which list, when not the user's consents: `revisions:<consentId>`
}

export interface PageTokens {
  /** `list` names a list other than the user's consents (a consent's revisions: `revisions:<consentId>`). */
  issue(serviceId: string, userId: string, afterConsentId: string, list?: string): string;
  /** The consentId to continue after; a token forged, altered or issued for another list is a 400. */
  read(token: string, serviceId: string, userId: string, list?: string): string;
}

const invalidToken = (): ApiError => new ApiError('400', 'INVALID_PAGE_TOKEN', 'pageToken is not a token this list issued');

export function pageTokens(secret: string): PageTokens {
  const sign = (body: string): Buffer => createHmac('sha256', secret).update(body).digest();
  return {
    issue(serviceId, userId, afterConsentId, list) {
      const page: PageBody = list === undefined ? { v: 1, s: serviceId, u: userId, a: afterConsentId } : { v: 1, s: serviceId, u: userId, a: afterConsentId, k: list };
      const body = Buffer.from(JSON.stringify(page)).toString('base64url');
      return `${body}.${sign(body).toString('base64url')}`;
    },
    read(token, serviceId, userId, list) {
      const [body, mac, ...rest] = token.split('.');
      if (!body || !mac || rest.length > 0) throw invalidToken();
      const given = Buffer.from(mac, 'base64url');
      const expected = sign(body);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidToken();
      let parsed: Partial<PageBody>;
      try {
        parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<PageBody>;
      } catch {
        throw invalidToken();
      }
      if (parsed.v !== 1 || parsed.s !== serviceId || parsed.u !== userId || typeof parsed.a !== 'string' || parsed.k !== list) throw invalidToken();
      return parsed.a;
    },
  };
}
