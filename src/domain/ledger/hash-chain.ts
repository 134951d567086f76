// The tamper-evident link between a consent's revisions:
//   hash = SHA-256( previousHash ‖ JCS(content) )  (lower-case hex)
// previousHash is the 64 hex characters of the previous revision's hash (64 zeros for the first
// revision of a chain), JCS is the JSON Canonicalization Scheme of RFC 8785 (UTF-8), and the
// content is every field of the revision except `previousHash` and `hash`. Pure: a hash is a
// function of its input; nothing here reads a clock or a server.
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** The previousHash of a chain's first revision. */
export const GENESIS_HASH = '0'.repeat(64);

/** The RFC 8785 canonical JSON text of a value (keys sorted by UTF-16 code units, ES number form). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}

export function chainHash(previousHash: string, content: unknown): string {
  return createHash('sha256').update(previousHash, 'utf8').update(canonicalJson(content), 'utf8').digest('hex');
}
