"""Sends one CreateConsent to consent-worker and prints its CommandResult as one JSON line.

The example of docs/producers.md, run as it is by test/integration/python-producer.test.ts.
Settings come from the worker's own variables (defaults: the local dev stack):
KAFKA_BROKERS, SCHEMA_REGISTRY_URL, CONSENT_COMMANDS_TOPIC, CONSENT_RESULTS_TOPIC.
"""
from __future__ import annotations  # the type hints below on Python 3.9 too

import json
import os
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

BROKERS = os.environ.get("KAFKA_BROKERS", "127.0.0.1:19092")
REGISTRY_URL = os.environ.get("SCHEMA_REGISTRY_URL", "http://127.0.0.1:18081/apis/ccompat/v7")
COMMANDS = os.environ.get("CONSENT_COMMANDS_TOPIC", "consent.commands.v1")
RESULTS = os.environ.get("CONSENT_RESULTS_TOPIC", "consent.results.v1")
NAMESPACE = "consentworker.v1"
# Self-contained: schemas/topics/*.avsc name records of schemas/types and cannot be loaded alone.
BUNDLED = Path(__file__).resolve().parents[3] / "schemas" / "bundled"

registry = SchemaRegistryClient({"url": REGISTRY_URL})
# The worker registers the schema; a producer only uses it. use.latest.version needs
# auto.register.schemas off (the serializer refuses the two together).
serializer = AvroSerializer(
    registry,
    (BUNDLED / "consent-commands.avsc").read_text(),
    conf={"auto.register.schemas": False, "use.latest.version": True},
)
# return_record_name=True: a union of records comes back as (full name, record), the only way
# to tell which record a union carried (the result's state, a command's payload).
deserializer = AvroDeserializer(registry, return_record_name=True)


def now() -> str:
    """An ISO 8601 time WITH an offset: datetime.utcnow().isoformat() has none and gets a 400."""
    return datetime.now(timezone.utc).isoformat()


def command(command_type: str, payload: dict, actor: dict | None = None) -> dict:
    """The envelope of consent.commands.v1; the payload is named by its FULL record name."""
    return {
        "commandId": f"cmd-{uuid.uuid4()}",
        "commandType": command_type,
        "issuedAt": now(),
        "actor": actor,
        "correlationId": None,
        # A (name, record) tuple picks the union branch. A plain dict would be matched against
        # the four records and written as the first that fits, whatever commandType says.
        "payload": (f"{NAMESPACE}.{command_type}", payload),
    }


def send(envelope: dict, key: str) -> None:
    producer = Producer({"bootstrap.servers": BROKERS, "enable.idempotence": True})
    value = serializer(envelope, SerializationContext(COMMANDS, MessageField.VALUE))
    producer.produce(COMMANDS, key=key.encode(), value=value)
    if producer.flush(10) != 0:
        sys.exit("the command was not delivered within 10 s")


def await_result(command_id: str, timeout_s: float = 30) -> dict:
    """Reads consent.results.v1 (keyed by commandId) until this command's result arrives."""
    consumer = Consumer({
        "bootstrap.servers": BROKERS,
        "group.id": f"example-{uuid.uuid4()}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe([RESULTS])
    deadline = datetime.now(timezone.utc) + timedelta(seconds=timeout_s)
    try:
        while datetime.now(timezone.utc) < deadline:
            message = consumer.poll(1.0)
            if message is None or message.error() or message.key() != command_id.encode():
                continue
            return deserializer(message.value(), SerializationContext(RESULTS, MessageField.VALUE))
    finally:
        consumer.close()
    sys.exit(f"no result for {command_id} within {timeout_s} s")


def main() -> None:
    consent_id = f"consent-{uuid.uuid4()}"
    create = command("CreateConsent", {
        "consentId": consent_id,
        "serviceId": "svc-newsletter",
        "userId": "user-42",
        "status": "ACTIVE",
        "consentType": "marketing",
        "consentData": {"channel": "email"},
        "expiryTime": (datetime.now(timezone.utc) + timedelta(days=365)).isoformat(),
    })
    send(create, key=consent_id)  # key: the consentId, so one consent's commands stay in order
    result = await_result(create["commandId"])
    state = result["state"]  # (record name, ConsentState) or None, by return_record_name=True
    print(json.dumps({**result, "state": state[1] if state else None}))


if __name__ == "__main__":
    main()
