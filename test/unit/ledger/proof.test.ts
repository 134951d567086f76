// The proof of consent is validated like every other field: each malformed part is a 400 naming
// it (proof.<field>); a whole, valid proof is kept as sent; none at all is null.
import { describe, expect, it } from 'vitest';
import { parseProof } from '../../../src/domain/consent/proof.ts';
import { invalid } from '../../../src/domain/status.ts';

const PROOF = {
  noticeId: 'notice-marketing', noticeVersion: '2026-11', textSha256: 'f'.repeat(64), method: 'MOBILE_APP',
  locale: 'zh-Hant-TW', collectedAt: '2026-12-06T10:00:00.123-03:00', artifactUri: 'https://proofs.example/forms/1.pdf',
};

describe('proof of consent', () => {
  it('keeps a whole proof as sent, the time with its offset', () => {
    expect(parseProof(PROOF)).toEqual(PROOF);
  });

  it('is null when absent, and artifactUri is optional', () => {
    expect(parseProof(undefined)).toBeNull();
    expect(parseProof(null)).toBeNull();
    expect(parseProof({ ...PROOF, artifactUri: undefined })).toEqual({ ...PROOF, artifactUri: null });
  });

  it.each([
    ['proof', 'not an object', 'proof'],
    ['noticeId', { ...PROOF, noticeId: 'a b' }, 'proof.noticeId'],
    ['noticeVersion missing', { ...PROOF, noticeVersion: undefined }, 'proof.noticeVersion'],
    ['noticeVersion too long', { ...PROOF, noticeVersion: 'v'.repeat(65) }, 'proof.noticeVersion'],
    ['textSha256 upper case', { ...PROOF, textSha256: 'F'.repeat(64) }, 'proof.textSha256'],
    ['textSha256 short', { ...PROOF, textSha256: 'f'.repeat(63) }, 'proof.textSha256'],
    ['method', { ...PROOF, method: 'EMAIL' }, 'proof.method'],
    ['locale', { ...PROOF, locale: 'english please' }, 'proof.locale'],
    ['collectedAt without offset', { ...PROOF, collectedAt: '2026-12-06T10:00:00' }, 'proof.collectedAt'],
    ['artifactUri not absolute', { ...PROOF, artifactUri: 'forms/1.pdf' }, 'proof.artifactUri'],
  ])('refuses a bad %s with 400 naming the field', (_name, value, field) => {
    expect(parseProof(value)).toMatchObject({ statusCode: invalid(field, '').statusCode, field });
  });

  it.each(['en', 'pt-BR', 'es-419', 'sr-Latn-RS', 'de-CH-1996'])('accepts the BCP 47 tag %s', (locale) => {
    expect(parseProof({ ...PROOF, locale })).toMatchObject({ locale });
  });
});
