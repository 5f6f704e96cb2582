"""Cursor pagination, one way for every list: `{items, next_cursor}`; the cursor is an
opaque token carrying the sort key of the last item returned (keyset paging, so a page
costs the same however deep it is)."""
import base64
import json

from shared.errors import InvalidContent


def encode_cursor(*key):
    raw = json.dumps(key, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor, parts):
    """The key inside `cursor`, or a 422 naming the cursor field."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, list) or len(key) != parts:
        raise InvalidContent("Bad paging.", {"cursor": ["Use the next_cursor of a previous page."]})
    return key


def page(rows, limit, key):
    """The page for rows fetched with limit + 1: items and the cursor after the last."""
    items = rows[:limit]
    more = len(rows) > limit
    return {"items": items, "next_cursor": encode_cursor(*key(items[-1])) if more else None}
