"""Checks a consent-worker receipt offline with the standard library only (docs/receipt.md).

Usage: python3 verify_receipt.py receipt.json   -> prints OK, or each problem; exit 1 if any.
Canonical form: json.dumps(sort_keys, no spaces, UTF-8) equals RFC 8785 for what a receipt holds
(strings, integers, booleans, null) as long as no object key lies beyond U+FFFF; use an RFC 8785
library (e.g. rfc8785 on PyPI) to be exact for every key.
"""
import hashlib, json, sys
from datetime import datetime

def jcs(value): return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
def sha256_hex(*parts): return hashlib.sha256(b"".join(parts)).hexdigest()
def when(text): return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()

def chain_problem(c, generated_at):
    previous = None
    for r in c["revisions"]:
        n = r["revision"]
        if r["consentId"] != c["consentId"] or r["revisionId"] != f'{c["consentId"]}:{n}': return n, "stored under another identity"
        if previous is None and r["previousHash"] != "0" * 64: return n, "links to an earlier revision that is missing"
        if previous is not None and n != previous["revision"] + 1: return n, "missing or out of order"
        if previous is not None and r["previousHash"] != previous["hash"]: return n, "does not link to the revision before"
        content = {k: v for k, v in r.items() if k not in ("previousHash", "hash")}
        if sha256_hex(r["previousHash"].encode(), jcs(content)) != r["hash"]: return n, "altered (content does not match its hash)"
        previous = r
    head, current = c["chainHead"], dict(c["current"])
    if head["lastRevisionHash"] is None: return (None, "revisions without a chain head") if previous else None
    if previous is None or previous["revision"] != head["version"] or previous["hash"] != head["lastRevisionHash"]:
        return head["version"], "the chain does not end at the consent's head (a revision is missing)"
    expiry = current.get("expiryTime") or current.get("expiry")
    lapsed = expiry is not None and when(expiry) <= generated_at
    if c["expiredAtRead"]:
        if current["status"] != "EXPIRED" or not lapsed: return None, "expiredAtRead without a lapsed expiry"
        current["status"] = "ACTIVE"
    elif current["status"] == "ACTIVE" and lapsed: return None, "reads ACTIVE past its expiry"
    if jcs(current) != jcs(previous["state"]): return previous["revision"], "current state differs from the last revision's"
    return None

def problems(receipt):
    body = {k: v for k, v in receipt.items() if k != "digest"}
    found = [] if sha256_hex(jcs(body)) == receipt["digest"]["value"] else ["receipt: digest does not match"]
    counted = {"consents": len(receipt["consents"]), "revisions": sum(len(c["revisions"]) for c in receipt["consents"])}
    if receipt["totals"] != counted: found.append(f'receipt: totals {receipt["totals"]} but holds {counted}')
    for c in receipt["consents"]:
        subject = c["current"]["sourceUserId"] if c["kind"] == "ORG" else c["current"]["userId"]
        if subject != receipt["piiPrincipalId"]: found.append(f'{c["consentId"]}: not the subject\'s')
        broken = chain_problem(c, when(receipt["generatedAt"]))
        if broken: found.append(f'{c["consentId"]} at revision {broken[0]}: {broken[1]}')
    return found

if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f: found = problems(json.load(f))
    print("\n".join(found) if found else "OK")
    sys.exit(1 if found else 0)
