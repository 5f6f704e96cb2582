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
