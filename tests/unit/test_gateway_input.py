"""Input the gateway refuses before any service sees it (found by the API fuzzing)."""
import pytest

from services.gateway.http import refuse_nul
from shared.errors import MalformedRequest


@pytest.mark.parametrize("value", ["a\x00b", {"summary": "\x00"}, {"k\x00": 1},
                                   {"subject": {"names": ["ok", "x\x00"]}}])
def test_a_nul_character_anywhere_is_malformed(value):
    with pytest.raises(MalformedRequest):
        refuse_nul("fine", value)


def test_ordinary_text_passes():
    refuse_nul("Zoë O'Neil", {"a": ["<script>", 1, None, {"b": "\\u0000 as typed"}]})


def test_a_hand_made_audit_cursor_is_refused_not_a_crash():
    """`["x"]` is a well-formed cursor of the wrong type: it once reached int() (a 500)."""
    from services.gateway import audit
    from services.gateway.orm import metadata
    from shared.errors import InvalidContent
    from shared.paging import encode_cursor
    from shared.testing.memory import InMemoryDatabase

    with InMemoryDatabase(metadata).unit_of_work() as uow:
        with pytest.raises(InvalidContent) as refused:
            audit.search(uow.session, {"cursor": encode_cursor("x")}, 10)
        assert "cursor" in refused.value.fields
        assert audit.search(uow.session, {"cursor": encode_cursor(5)}, 10)["items"] == []


def test_many_values_or_deep_nesting_are_malformed_quickly():
    import time

    from services.gateway.http import MAX_JSON_DEPTH, MAX_JSON_NODES

    started = time.perf_counter()
    with pytest.raises(MalformedRequest, match="JSON values"):
        refuse_nul({"a": [0] * 130_000})
    assert time.perf_counter() - started < 0.5
    refuse_nul({"a": [0] * (MAX_JSON_NODES - 10)})
    deep = []
    for _ in range(MAX_JSON_DEPTH + 1):
        deep = [deep]
    with pytest.raises(MalformedRequest, match="deep"):
        refuse_nul(deep)
