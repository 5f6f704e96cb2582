"""The bus no longer trusts whatever it is told (issue #23): straight onto the running
stack's broker, past the gateway, a call that says it is the coordinator is refused
unless a signed caller (shared/caller.py) vouches for it; a forged, expired or borrowed
assertion is refused; a partner's assertion with a coordinator's `actor` argument is
refused, and without one is answered as the partner. Every refusal is logged by the
service, without personal data. The gateway's own path still works."""
import inspect
import json
import uuid

import jwt
import pytest

from services.casereview.service import CaseReviewService
from services.notifications.service import NotificationsService
from services.referrals.service import ReferralsService
from services.tasking.service import TaskingService
from shared.caller import CALLER_HEADER, sign_caller
from shared.config import caller_key
from shared.errors import Forbidden, NotAuthenticated
from shared.rpc import QuorumRpc
from shared.testing.factories import referral_payload
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e

COORDINATOR = {"username": "coordinator", "role": "coordinator", "agency": None, "wards": []}
PARTNER = {"username": "yot.partner", "role": "partner", "agency": "yot", "wards": []}
SERVICES = {"referrals": ReferralsService, "tasking": TaskingService,
            "notifications": NotificationsService, "casereview": CaseReviewService}
OPEN = {("referrals", "health"), ("tasking", "health"), ("tasking", "get_figures"),
        ("notifications", "health"), ("casereview", "health")}
"""The only RPC methods anyone on the bus may call: health and aggregate figures."""


def rpc_methods():
    """(service, method, needs_caller) for every `@rpc` method of every service."""
    for service, cls in SERVICES.items():
        for method, function in inspect.getmembers(cls, inspect.isfunction):
            for entrypoint in getattr(function, "nameko_entrypoints", ()):
                if isinstance(entrypoint, QuorumRpc):
                    yield service, method, entrypoint.needs_caller


@pytest.fixture(scope="module")
def referrals(stack):
    """One referral by each of two agencies, submitted through the gateway. Both about
    anti-social behaviour, whose actions council community safety owns: a youth-at-risk
    referral would give the YOT an action on the council's, and so the right to read it."""
    made = {}
    for user in ("yot.partner", "council.partner"):
        answer = stack.post("/api/referrals", user, json=referral_payload(category="asb"))
        assert answer.status_code == 201, answer.text
        made[user] = answer.json()["id"]
    return made


def refusals(stack, service, correlation_id):
    """The service's `rpc.caller_refused` log lines for calls under `correlation_id`."""
    return [line for line in map(json.loads, stack.log(service).splitlines())
            if line.get("event") == "rpc.caller_refused"
            and line.get("correlation_id") == correlation_id]


def logged_refusal(stack, service, correlation_id):
    [line] = wait_for(lambda: refusals(stack, service, correlation_id), timeout=10) or [None]
    assert line is not None, f"{service} logged no rpc.caller_refused for {correlation_id}"
    # What was refused and why; never who was claimed.
    assert set(line) - {"timestamp", "level", "logger"} == {
        "event", "reason", "service", "entrypoint", "correlation_id"}, line
    return line


def test_a_direct_call_as_the_coordinator_with_no_signed_caller_is_refused_and_logged(
        stack, referrals):
    correlation_id = str(uuid.uuid4())
    with stack.rpc(None, correlation_id=correlation_id) as cluster:
        with pytest.raises(NotAuthenticated):
            cluster.referrals.list_referrals({}, COORDINATOR)
    line = logged_refusal(stack, "referrals", correlation_id)
    assert (line["reason"], line["service"], line["entrypoint"]) == (
        "missing", "referrals", "list_referrals")


@pytest.mark.parametrize("forgery", ["another key", "the token key", "expired",
                                     "an access token"])
def test_a_forged_expired_or_borrowed_assertion_is_refused_and_logged(stack, referrals,
                                                                      forgery):
    key = caller_key(stack.env)
    header = {
        "another key": lambda: sign_caller(COORDINATOR, "a-forger-s-own-key-0123456789abcd"),
        "the token key": lambda: sign_caller(COORDINATOR, stack.env["WARDLINE_SECRET_KEY"]),
        "expired": lambda: sign_caller(COORDINATOR, key, ttl_seconds=-60),
        "an access token": lambda: stack.token("coordinator"),
    }[forgery]()
    assert jwt.decode(sign_caller(COORDINATOR, key), key, algorithms=["HS256"],
                      audience="wardline-rpc")  # the real key does sign: the header is why
    correlation_id = str(uuid.uuid4())
    with stack.rpc(None, correlation_id=correlation_id,
                   **{CALLER_HEADER: header}) as cluster:
        with pytest.raises(NotAuthenticated):
            cluster.referrals.list_referrals({}, COORDINATOR)
    line = logged_refusal(stack, "referrals", correlation_id)
    assert line["reason"] == ("expired" if forgery == "expired" else "invalid")


def test_a_partners_assertion_with_a_coordinator_actor_is_refused_and_otherwise_is_the_partner(
        stack, referrals):
    correlation_id = str(uuid.uuid4())
    with stack.rpc(PARTNER, correlation_id=correlation_id) as cluster:
        with pytest.raises(Forbidden):
            cluster.referrals.list_referrals({}, COORDINATOR)
        with pytest.raises(Forbidden):
            cluster.referrals.list_referrals({}, actor={**PARTNER, "agency": "police"})
        as_sent = cluster.referrals.list_referrals({}, PARTNER)["items"]
        left_out = cluster.referrals.list_referrals({})["items"]
    assert [line["reason"] for line in wait_for(
        lambda: len(refusals(stack, "referrals", correlation_id)) == 2
        and refusals(stack, "referrals", correlation_id), timeout=10)] == [
        "actor_mismatch", "actor_mismatch"]
    yot, council = referrals["yot.partner"], referrals["council.partner"]
    for answer in (as_sent, left_out):  # the partner's view: its own agency's only
        ids = {item["id"] for item in answer}
        assert yot in ids and council not in ids
    with stack.rpc(COORDINATOR) as cluster:  # signed as the coordinator: everything
        ids = {item["id"] for item in cluster.referrals.list_referrals({})["items"]}
    assert {yot, council} <= ids


def test_every_rpc_but_health_and_figures_refuses_a_call_with_no_signed_caller(stack):
    methods = list(rpc_methods())
    assert {(service, method) for service, method, needs in methods if not needs} == OPEN
    correlation_id = str(uuid.uuid4())
    guarded = [(service, method) for service, method, needs in methods if needs]
    assert len(guarded) > 60
    with stack.rpc(None, correlation_id=correlation_id) as cluster:
        for service, method in guarded:
            with pytest.raises(NotAuthenticated):  # before any argument is looked at
                getattr(getattr(cluster, service), method)()
        for service, method in OPEN:
            getattr(getattr(cluster, service), method)()
    for service in SERVICES:
        expected = sorted(m for s, m in guarded if s == service)
        logged = wait_for(lambda: len(refusals(stack, service, correlation_id)) == len(
            expected) and refusals(stack, service, correlation_id), timeout=10)
        assert logged, f"{service} did not log every refusal"
        assert sorted(line["entrypoint"] for line in logged) == expected


def test_through_the_gateway_a_partner_still_submits_and_reads_a_referral(stack):
    correlation_id = str(uuid.uuid4())
    headers = {"X-Correlation-ID": correlation_id}
    made = stack.post("/api/referrals", "yot.partner", json=referral_payload(),
                      headers=headers)
    assert made.status_code == 201, made.text
    read = stack.get(f"/api/referrals/{made.json()['id']}", "yot.partner", headers=headers)
    assert read.status_code == 200 and read.json()["id"] == made.json()["id"]
    listed = stack.get("/api/referrals", "yot.partner", headers=headers)
    assert made.json()["id"] in {item["id"] for item in listed.json()["items"]}
    # Answered, so the gateway's assertion was accepted: nothing refused on the way.
    assert all(refusals(stack, service, correlation_id) == [] for service in SERVICES)

