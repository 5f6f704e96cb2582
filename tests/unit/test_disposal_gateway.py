"""The gateway's tombstone for a disposed referral: `referral.disposed` becomes one
erasure row on the audit trail naming the referral by id and reference, the schedule
entry and whose decision it was, with no one's details; a redelivered copy adds none."""
from dataclasses import replace

from nameko.testing.services import worker_factory

from services.gateway.orm import metadata
from services.gateway.service import GatewayService
from shared.events.referrals import REFERRAL_DISPOSED
from shared.testing.factories import delivered
from shared.testing.memory import InMemoryDatabase


def test_a_disposal_leaves_one_tombstone_on_the_audit_trail():
    db = InMemoryDatabase(metadata)
    gateway = worker_factory(GatewayService, uow=db.unit_of_work())
    event = delivered("referral.disposed", 1, REFERRAL_DISPOSED.example)
    event = replace(event, actor={"username": "dpo", "role": "dpo", "agency": None})
    gateway.audit_referral_disposed(event)
    gateway.audit_referral_disposed(event)  # redelivered
    [row] = db.rows("audit_log")
    assert (row["action"], row["record_type"], row["record_ids"], row["username"]) == \
        ("erasure", "referral", [REFERRAL_DISPOSED.example["referral_id"]], "dpo")
    assert row["purpose"] == ("Disposed of under the retention schedule: WL-R-2026-000123, "
                              "entry referral/no_further_action, on decision of dpo")
