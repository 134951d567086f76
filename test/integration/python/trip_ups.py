"""Two mistakes a Python producer makes easily, sent through the example's own code to show what
the worker answers (test/integration/python-producer.test.ts). Prints the result as JSON.

  plain-dict-update <consentId>: an UpdateConsent whose payload is a plain dict without
      consentVersion; the serializer writes it as the union branch that fits, a CreateConsent.
  naive-issued-at: a CreateConsent whose issuedAt is datetime.utcnow().isoformat() (no offset).
"""
import json
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "docs" / "examples" / "python"))
import produce_consent as example  # noqa: E402  (the example of docs/producers.md, unchanged)

scenario = sys.argv[1]
if scenario == "plain-dict-update":
    consent_id = sys.argv[2]
    envelope = example.command("UpdateConsent", {})
    envelope["payload"] = {"consentId": consent_id, "serviceId": "svc-newsletter", "userId": "user-42", "status": "REVOKED"}
elif scenario == "naive-issued-at":
    consent_id = f"consent-naive-{example.uuid.uuid4()}"
    envelope = example.command("CreateConsent", {"consentId": consent_id, "serviceId": "svc-newsletter", "userId": "user-42", "status": "ACTIVE"})
    envelope["issuedAt"] = datetime.utcnow().isoformat()  # noqa: DTZ003  (the mistake shown)
else:
    sys.exit(f"unknown scenario {scenario}")

example.send(envelope, key=consent_id)
result = example.await_result(envelope["commandId"])
print(json.dumps({**result, "state": None}))
