"""Cursor pagination: one way for every list, and no hand-made cursor reaches a query."""
import pytest

from shared.errors import InvalidContent
from shared.paging import decode_cursor, encode_cursor


def test_a_hand_made_cursor_of_the_wrong_shape_or_type_is_a_422_naming_the_cursor():
    good = encode_cursor("2026-11-24T10:00:00+00:00", "abc")
    when, row_id = decode_cursor(good, 2, ("time", "text"))
    assert when.utcoffset() is not None and row_id == "abc"
    for bad in ("not-base64!", encode_cursor("x"), encode_cursor("yesterday", "abc"),
                encode_cursor("2026-11-24T10:00:00", "abc"), encode_cursor(5, "abc"),
                encode_cursor("2026-11-24T10:00:00+00:00", ["a"])):
        with pytest.raises(InvalidContent) as refused:
            decode_cursor(bad, 2, ("time", "text"))
        assert "cursor" in refused.value.fields
