"""Cursor pagination, one way for every list: `{items, next_cursor}`; the cursor is an
opaque token carrying the sort key of the last item returned (keyset paging, so a page
costs the same however deep it is)."""
import base64
import json
from datetime import datetime

from shared.errors import InvalidContent


def encode_cursor(*key):
    raw = json.dumps(key, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor, parts, kinds=None):
    """The key inside `cursor`, or a 422 naming the cursor field. With `kinds` (one of
    "time", "text", "int" per part) each part is checked and converted, so a hand-made
    cursor can never reach a query as the wrong type."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(key, list) or len(key) != parts:
            raise ValueError("wrong shape")
        if kinds:
            key = [_KINDS[kind](part) for kind, part in zip(kinds, key)]
    except (ValueError, TypeError, KeyError):
        raise InvalidContent("Bad paging.", {"cursor": ["Use the next_cursor of a previous page."]}
                             ) from None
    return key


def _time(part):
    moment = datetime.fromisoformat(part)  # TypeError for a non-string
    if moment.tzinfo is None:
        raise ValueError("a cursor's time has an offset")
    return moment


def _text(part):
    if not isinstance(part, str):
        raise TypeError("text expected")
    return part


def _int(part):
    if isinstance(part, bool) or not isinstance(part, int):
        raise TypeError("a whole number expected")
    return part


_KINDS = {"time": _time, "text": _text, "int": _int}


def page(rows, limit, key):
    """The page for rows fetched with limit + 1: items and the cursor after the last."""
    items = rows[:limit]
    more = len(rows) > limit
    return {"items": items, "next_cursor": encode_cursor(*key(items[-1])) if more else None}
