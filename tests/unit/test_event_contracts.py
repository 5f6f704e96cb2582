"""Every event contract, and every handler's subscription to one, checked without a broker."""
import inspect
import uuid
from datetime import datetime, timezone

import pytest

from wardline.services import SERVICES
from shared.consumers import EventEntrypoint
from shared.events import Event, InvalidEvent, all_contracts, deserialize, serialize
from shared.events.registry import contract_for, latest_version
from wardline.services import service_class


@pytest.mark.parametrize("contract", all_contracts(), ids=lambda c: f"{c.type}-v{c.version}")
def test_every_contract_example_round_trips_through_the_envelope(contract):
    example = contract.schema().load(contract.example)
    message = serialize(Event(contract.type, contract.version, example))
    event = deserialize(message)
    assert event.type == contract.type and event.version == latest_version(contract.type)
    if contract.upcast is None:
        assert event.payload == example
    else:  # an older version arrives as its upcasters make it, at the latest version
        assert event.payload == upcast_to_latest(contract, example)
        if not getattr(contract.upcast, "reshapes", False):  # and its own fields kept
            assert event.payload.items() >= example.items()
    assert message["correlation_id"] == message["event_id"]  # a new conversation


def upcast_to_latest(contract, payload):
    while contract.upcast is not None:
        payload = contract.upcast(payload)
        contract = contract_for(contract.type, contract.version + 1)
    return contract.schema().load(payload)


def test_a_v1_notification_sent_is_a_list_of_one_delivery_whose_source_event_is_untold():
    v1 = contract_for("notification.sent", 1)
    event = deserialize(serialize(Event("notification.sent", 1, v1.schema().load(v1.example))))
    assert event.version == 2
    assert event.payload == {
        "channel": "inbox", "source_type": "referral", "source_id": v1.example["source_id"],
        "source_event_id": None, "deliveries": [{
            "notification_id": v1.example["notification_id"],
            "kind": "referral.acknowledged", "recipient": "team:yot"}]}


@pytest.mark.parametrize("outcome, cause", [
    ("No further action at triage: known to CAIT", "triage"),
    ("The ward panel closed this priority.", "ward_priority_closed"),
    ("Home visit done; family engaged", "outcome")])
def test_a_v1_completion_is_upcast_with_the_cause_its_outcome_shows(outcome, cause):
    v1 = contract_for("tasking_item.completed", 1)
    payload = v1.schema().load({**v1.example, "outcome": outcome})
    event = deserialize(serialize(Event("tasking_item.completed", 1, payload)))
    assert (event.version, event.payload["cause"]) == (3, cause)
    assert (event.payload["reference"], event.payload["public_outcome_known"]) == (None, False)


def test_every_event_handler_subscribes_to_a_registered_contract_of_its_source():
    contracts = {(c.source, c.type) for c in all_contracts()}
    handlers = []
    for name in SERVICES:
        for _, method in inspect.getmembers(service_class(name), inspect.isfunction):
            for entrypoint in getattr(method, "nameko_entrypoints", ()):
                if isinstance(entrypoint, EventEntrypoint):
                    handlers.append((entrypoint.source_service, entrypoint.event_type))
    assert handlers, "no event entrypoints found"
    assert set(handlers) <= contracts


def test_publishing_refuses_an_event_that_breaks_its_contract():
    with pytest.raises(InvalidEvent) as refused:
        serialize(Event("referral.submitted", 1, {"referral_id": "r1", "category": "graffiti"}))
    assert {"category", "ward", "risk_level"} <= set(refused.value.errors)


def test_an_unknown_event_type_or_version_is_refused_with_the_reason():
    with pytest.raises(InvalidEvent, match="unknown event type or version"):
        serialize(Event("referral.teleported", 1, {}))
    message = _valid_message()
    message["version"] = 9
    with pytest.raises(InvalidEvent, match="v9"):
        deserialize(message)


@pytest.mark.parametrize("breakage", [
    lambda m: m.pop("event_id"),
    lambda m: m.update(occurred_at="yesterday"),
    lambda m: m.update(occurred_at="2026-11-24T10:00:00"),  # no offset
    lambda m: m.update(actor="someone"),
    lambda m: m.update(payload=[1, 2]),
])
def test_a_broken_envelope_is_refused(breakage):
    message = _valid_message()
    breakage(message)
    with pytest.raises(InvalidEvent, match="invalid envelope"):
        deserialize(message)


def test_consumers_ignore_fields_they_do_not_know():
    message = _valid_message()
    message["payload"]["added_in_a_later_release"] = "ignored"
    message["future_envelope_field"] = True
    assert "added_in_a_later_release" not in deserialize(message).payload


def test_a_non_object_body_is_refused():
    with pytest.raises(InvalidEvent, match="not a JSON object"):
        deserialize("just text")


def _valid_message():
    return serialize(Event("referral.submitted", 1, {
        "referral_id": str(uuid.uuid4()), "subject_id": str(uuid.uuid4()),
        "category": "asb", "risk_level": "high", "ward": "dalston",
        "referring_agency": "housing", "referred_by": "h.officer",
        "submitted_at": datetime(2026, 11, 24, 9, tzinfo=timezone.utc), "handling_code": "P",
    }))
