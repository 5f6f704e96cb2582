"""Case review's part in disposal (services/casereview/disposal.py) on an in-memory unit
of work: a `referral.disposed` deletes the event-log rows about the referral and the
records under it together with the chronology entries derived from them (so a rebuild
brings none back); with the subject, the subject's links go and the reviews about the
person lose the words that describe them; a redelivered copy changes nothing more."""
from shared.events import Event
from shared.events.referrals import REFERRAL_DISPOSED
from tests.unit.casereview_story import Story, new_id
from tests.unit.test_casereview_chronology import chronology, db, feed, service  # noqa: F401
from tests.unit.test_casereview_reviews import REVIEWER, open_review

NAME = "Quarrington"


def story_of_two_referrals():
    story = Story()
    disposed = story.at(0).refer("yot")
    story.at(1).triage(disposed, "accept", reason=f"{NAME} known to the YOT")
    item = story.at(1).raise_action(disposed, "yot", title=f"Visit {NAME}")
    task = story.at(2).task_pcso("tasking_item", item)
    story.at(3).intelligence(task)
    kept = story.at(4).refer("housing")
    return story, disposed, item, kept


def disposal(story, referral_id, item_ids, subject_disposed):
    return Event("referral.disposed", 1, {
        **REFERRAL_DISPOSED.example, "referral_id": referral_id,
        "subject_id": story.subject_id, "tasking_item_ids": item_ids,
        "subject_disposed": subject_disposed})


def test_the_referral_s_story_leaves_the_log_and_the_chronology_together(service, db):
    story, disposed, item, kept = story_of_two_referrals()
    feed(service, story.events)
    service.dispose_referral(disposal(story, disposed, [item], False))
    assert [e.record_id for e in chronology(db, story.subject_id)] == [kept]
    assert NAME not in str(db.rows("event_log")) + str(db.rows("chronology_entries"))
    assert len(db.rows("event_log")) == 1  # the other referral's submission
    service.rebuild_chronology()
    assert [e.record_id for e in chronology(db, story.subject_id)] == [kept]


def test_with_the_subject_its_links_and_the_reviews_words_about_them_go(service, db):
    story, disposed, item, _ = story_of_two_referrals()
    other = new_id()
    story.link(other)
    feed(service, story.events)
    review = open_review(service, story.subject_id)
    service.add_finding(review["id"], {"finding": f"{NAME} was not seen for a month"},
                        REVIEWER)
    service.dispose_referral(disposal(story, disposed, [item], True))
    assert db.rows("subject_links") == []
    assert [r["type"] for r in db.rows("event_log")] == ["referral.submitted"]
    [kept] = db.rows("reviews")
    assert kept["id"] == review["id"] and kept["incident_summary"] is None
    assert NAME not in str(db.rows("findings"))
    assert "Stabbed" not in str(db.rows("reviews"))


def test_a_redelivered_disposal_changes_nothing_more(service, db):
    story, disposed, item, _ = story_of_two_referrals()
    feed(service, story.events)
    copy = disposal(story, disposed, [item], False)
    service.dispose_referral(copy)
    state = db.rows("event_log"), db.rows("chronology_entries")
    service.dispose_referral(copy)
    assert (db.rows("event_log"), db.rows("chronology_entries")) == state


def test_an_event_about_a_disposed_record_arriving_later_is_not_kept(service, db):
    """Each event type has its own queue: an action's completion, or a report filed on a
    PCSO task under it, may come after the referral's disposal."""
    story, disposed, item, kept = story_of_two_referrals()
    feed(service, story.events)
    service.dispose_referral(disposal(story, disposed, [item], False))
    story.at(5).complete(item, outcome=f"{NAME} seen at home")
    story.at(5).triage(disposed, "accept", reason=f"{NAME} again")
    feed(service, story.events[-2:])
    assert NAME not in str(db.rows("event_log")) + str(db.rows("chronology_entries"))
    assert [e.record_id for e in chronology(db, story.subject_id)] == [kept]
