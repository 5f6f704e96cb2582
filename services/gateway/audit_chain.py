"""The audit trail's hash chain: each row's `row_hash` is SHA-256 over its fields and the
row before's hash (`prev_hash`), so a row altered, removed or added out of turn breaks the
chain there, whoever did it (the table's owner can get round the append-only trigger; it
cannot rewrite every later hash without it showing against the chain's head).

On PostgreSQL the gateway's migration computes the chain in a trigger, so no client can
skip it; on SQLite (a laptop: one process) `link` does the same in Python. `verify`
walks the chain for `wardline audit verify`. The serialisation here and the trigger's
(migration a9c3e5f7b1d2) must stay equal: an integration test holds them together."""
import hashlib
import json
from dataclasses import dataclass
from datetime import timezone

import sqlalchemy as sa

from services.gateway.orm import audit_chain_head, audit_log

GENESIS = "0" * 64
"""The prev_hash of the first chained row."""

FIELDS = ("id", "at", "username", "role", "agency", "action", "record_type", "record_ids",
          "purpose", "stated_purpose", "recipient", "correlation_id", "event_id",
          "prev_hash")


def _field(value):
    """`<length>:<value>|`, or `-|` for NULL: no value can pass for two fields."""
    return "-|" if value is None else f"{len(value)}:{value}|"


def _text(name, value):
    if value is None:
        return None
    if name == "at":
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if name == "record_ids":
        return "".join(_field(i if isinstance(i, str) or i is None else json.dumps(i))
                       for i in value)
    return str(value)


def canonical(row):
    """The text a row's hash is taken over (`row`: a mapping of audit_log's columns)."""
    return "".join(_field(_text(name, row[name])) for name in FIELDS)


def row_hash(row):
    return hashlib.sha256(canonical(row).encode("utf-8")).hexdigest()


def link(session, row_id):
    """Chain row `row_id`, just inserted, to the head, in Python: for SQLite only, whose
    single connection already keeps writers apart. Without a head row (tables made by
    create_all, as in unit tests) there is no chain to extend."""
    head = session.execute(sa.select(audit_chain_head)).first()
    if head is None:
        return
    row = session.execute(sa.select(audit_log).where(audit_log.c.id == row_id)).one()
    linked = {**row._asdict(), "prev_hash": head.last_hash}
    linked["row_hash"] = row_hash(linked)
    session.execute(audit_log.update().where(audit_log.c.id == row_id).values(
        prev_hash=linked["prev_hash"], row_hash=linked["row_hash"]))
    session.execute(audit_chain_head.update().values(last_id=row_id,
                                                     last_hash=linked["row_hash"]))


@dataclass
class Verification:
    unchained: int = 0  # rows written before the chain began
    started_after: int = 0
    first: dict = None  # the first chained row: id, at
    verified: int = 0
    broken_at: dict = None  # id, at, why; None when the chain holds
    missing_head: bool = False

    @property
    def intact(self):
        return self.broken_at is None and not self.missing_head


def verify(session, batch=1000):
    """Walk the chain in id order (the trigger numbers rows in chain order) and stop at
    the first row that does not hold: altered (its hash is not its contents'), or not
    following the row before (one removed, or added without the chain), or the trail
    ending before the head's last row (rows removed from the end)."""
    head = session.execute(sa.select(audit_chain_head)).first()
    if head is None:
        return Verification(missing_head=True)
    result = Verification(started_after=head.started_after, unchained=session.execute(
        sa.select(sa.func.count()).where(audit_log.c.id <= head.started_after)).scalar())
    previous_hash, last_id = GENESIS, None
    rows = session.execute(sa.select(audit_log).where(audit_log.c.id > head.started_after)
                           .order_by(audit_log.c.id).execution_options(yield_per=batch))
    for row in rows:
        row = row._asdict()
        result.first = result.first or {"id": row["id"], "at": row["at"]}
        why = _break(row, previous_hash)
        if why:
            result.broken_at = {"id": row["id"], "at": row["at"], "why": why}
            return result
        previous_hash, last_id = row["row_hash"], row["id"]
        result.verified += 1
    if (last_id, previous_hash) != (head.last_id, head.last_hash):
        result.broken_at = {"id": head.last_id, "at": None, "why": (
            f"the chain's head names row {head.last_id} but the trail ends at row "
            f"{last_id}: rows at the end were removed")}
    return result


def _break(row, previous_hash):
    if row["row_hash"] is None:
        return "the row is not chained (written round the chain)"
    if row["prev_hash"] != previous_hash:
        return "the row does not follow the row before it (a row was removed or added)"
    if row_hash(row) != row["row_hash"]:
        return "the row's contents do not match its hash (altered)"
    return None
