"""The gateway takes a reference people can say wherever a path takes an id
(services/gateway/http.py): each is resolved by its owner, picked by its prefix, before
the route runs; anything else reaches the route as it came."""
import inspect
from types import SimpleNamespace

import pytest

from services.gateway.http import taking_references
from shared.errors import NotFound

SERGEANT = {"username": "sgt.dalston", "role": "sergeant", "agency": "police",
            "wards": ["dalston"], "exp": 0}


class Owner:
    """Stands in for a service's RpcProxy: knows one reference."""

    def __init__(self, reference, record_id):
        self.known, self.asked = {reference: record_id}, []

    def resolve_reference(self, reference, actor):
        self.asked.append((reference, actor["username"]))
        if reference not in self.known:
            raise NotFound(f"There is no record {reference}.", {"reference": [reference]})
        return self.known[reference]


class Gateway:
    def __init__(self):
        self.referrals = Owner("WL-R-2026-000007", "referral-uuid")
        self.tasking = Owner("WL-A-2026-000003", "item-uuid")
        self.casereview = Owner("WL-C-2026-000001", "review-uuid")

    @taking_references
    def route(self, request, first_id, second_id=None):
        """A route with two ids in its path."""
        return first_id, second_id


def signed_in():
    return SimpleNamespace(principal=SERGEANT)


def test_each_reference_is_resolved_by_the_service_its_prefix_names():
    gateway = Gateway()
    assert gateway.route(signed_in(), first_id="WL-R-2026-000007",
                         second_id="WL-A-2026-000003") == ("referral-uuid", "item-uuid")
    assert gateway.referrals.asked == [("WL-R-2026-000007", "sgt.dalston")]
    assert gateway.tasking.asked == [("WL-A-2026-000003", "sgt.dalston")]
    assert gateway.casereview.asked == []


@pytest.mark.parametrize("value", ["0b7c6a1e-0000-4000-8000-000000000001",
                                   "wl-r-2026-000007", "WL-R-2026-7"])
def test_an_id_or_a_near_miss_reaches_the_route_as_it_came(value):
    gateway = Gateway()
    assert gateway.route(signed_in(), first_id=value) == (value, None)
    assert gateway.referrals.asked == []


def test_an_unknown_reference_is_the_owners_not_found_naming_it():
    with pytest.raises(NotFound, match="WL-C-2026-999999"):
        Gateway().route(signed_in(), first_id="WL-C-2026-999999")


def test_an_anonymous_request_is_left_as_it_came():
    assert Gateway().route(SimpleNamespace(principal=None),
                           first_id="WL-R-2026-000007") == ("WL-R-2026-000007", None)


def test_the_route_keeps_its_name_words_and_signature():
    assert Gateway.route.__name__ == "route"
    assert Gateway.route.__doc__ == "A route with two ids in its path."
    assert list(inspect.signature(Gateway.route).parameters) == [
        "self", "request", "first_id", "second_id"]
