"""Notifications' part in disposal (services/notifications/disposal.py) on an in-memory
unit of work: the inbox notices about a disposed referral and its actions keep who was
told and when but lose their text, pending emails about them are dropped, its record of
the referral goes, and a redelivered `referral.disposed` changes nothing more."""
from shared.events import Event
from shared.events.referrals import REFERRAL_DISPOSED
from tests.unit.test_notifications import (ITEM_ID, REFERRAL, db, event, raised,  # noqa: F401
                                           service)

NAME = "Quarrington"


def disposed():
    return Event("referral.disposed", 1, {**REFERRAL_DISPOSED.example,
                                          "referral_id": REFERRAL["referral_id"],
                                          "tasking_item_ids": [ITEM_ID]})


def told(service):
    service.acknowledge_referral(event("referral.submitted"))
    service.tell_owner_of_new_item(raised(title=f"Visit Ms {NAME} at home"))


def test_a_disposed_referral_s_notices_lose_their_text_and_pending_emails_go(service, db):
    told(service)
    before = db.rows("notifications")
    assert NAME in str(before) and db.rows("emails")
    service.dispose_referral(disposed())
    after = db.rows("notifications")
    assert NAME not in str(after)
    assert [(r["id"], r["recipient"]) for r in after] == \
        [(r["id"], r["recipient"]) for r in before]  # who was told stays
    assert all(r["title"] == "Disposed of under the retention schedule" and
               "WL-R-2026-000123" in r["body"] and r["link"] is None for r in after)
    assert [e for e in db.rows("emails") if e["status"] == "pending"] == []
    assert db.rows("referral_records") == []


def test_a_redelivered_disposal_changes_nothing_more(service, db):
    told(service)
    copy = disposed()
    service.dispose_referral(copy)
    state = db.rows("notifications"), db.rows("emails")
    service.dispose_referral(copy)
    assert (db.rows("notifications"), db.rows("emails")) == state


def test_notices_about_other_referrals_are_untouched(service, db):
    told(service)
    other = Event("referral.disposed", 1, {**REFERRAL_DISPOSED.example,
                                           "tasking_item_ids": []})
    service.dispose_referral(other)
    assert NAME in str(db.rows("notifications"))


def test_news_arriving_after_the_disposal_is_told_to_no_one(service, db):
    """Each event type has its own queue: an action's raising may come after its
    referral's disposal (notifications was down, say)."""
    service.dispose_referral(disposed())
    service.tell_owner_of_new_item(raised(title=f"Visit Ms {NAME} at home"))
    service.acknowledge_referral(event("referral.submitted"))
    assert db.rows("notifications") == []
