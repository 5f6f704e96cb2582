"""Case review use cases, one story each inside one unit of work: keep the chronology,
suggest a review when a pattern appears, open and move reviews, find and decide missed
opportunities, record findings and lessons, publish what was learned. Each change a
reviewer makes publishes its event in the same unit of work (the audit trail is written
from it), and none when the change is refused."""

import structlog

from services.casereview import disposal, projection, reports, repository, workflow
from services.casereview.timeline import render_timeline
from services.casereview.workflow import check_may_review
from shared.contracts.casereview import (AcceptSuggestionSchema, DecisionSchema, FindingSchema,
                                         LessonSchema, OpenReviewSchema)
from shared.db import utcnow
from shared.errors import Conflict, InvalidContent, NotFound, load_or_refuse
from shared.paging import decode_cursor, page

log = structlog.get_logger(__name__)

CASEREVIEW_ACTOR = {"username": "casereview", "role": "system", "agency": None}
REFUSED = "Some fields need attention."


def _load(schema, payload):
    return load_or_refuse(schema, payload, REFUSED)


# --- the chronology --------------------------------------------------------------------

def record_event(event, uow, rulebook):
    """Keep the event and add it to the chronology, once however often it arrives; then
    suggest a review if it completes a pattern the configuration says is worth one."""
    with uow:
        if not uow.first_time(event):
            log.info("event.already_applied")
            return None
        if disposal.is_about_disposed(uow.session, event):
            log.info("event.about_disposed_record")
            return None
        recorded = projection.record(uow.session, event)
        if recorded is not None and rulebook.may_suggest_after(event.type):
            return _suggest_review(uow.session, recorded, rulebook, event.occurred_at)
        return None


def _suggest_review(session, recorded, rulebook, as_of):
    # Events about one person arrive on separate queues and are handled at once: a link
    # and a new referral, each in its own transaction, would each read the chronology
    # without the other and neither see the pattern. Looking for patterns one at a time
    # (after this event's own entry is written) makes the later look see both, and keeps
    # two replicas from both suggesting one review.
    repository.lock_suggestions(session)
    for subject_id in sorted(projection.subjects_about(session, *recorded)):
        person = projection.person(session, subject_id)
        entries = projection.chronology(session, subject_id)
        for candidate in rulebook.find(entries, as_of, only=rulebook.suggest_review_when):
            if repository.active_for(session, person, candidate.rule):
                continue
            review_id = repository.add(session, subject_id, "suggested",
                                    f"Pattern in the chronology: {candidate.rule}",
                                    CASEREVIEW_ACTOR["username"], utcnow(),
                                    suggested_by_rule=candidate.rule)
            log.info("case_review.suggested", case_review_id=review_id, rule=candidate.rule)
            return review_id
    return None


def rebuild_chronology(uow):
    """The chronology thrown away and rebuilt from the event log (reviews untouched)."""
    with uow:
        replayed = projection.rebuild(uow.session)
    log.info("chronology.rebuilt", events=replayed)
    return replayed


def timeline(review_id, limit, cursor, actor, uow):
    """The review's chronology, oldest first, keyset-paged on (when, arrival)."""
    check_may_review(actor)
    with uow:
        review = repository.get(uow.session, review_id)
        entries = projection.chronology(uow.session, review["subject_id"])
    start = 0
    if cursor:
        after = tuple(decode_cursor(cursor, 2, ("time", "int")))
        start = next((i for i, e in enumerate(entries) if (e.when, e.seq) > after),
                     len(entries))
    return page(entries[start:start + limit + 1], limit,
                lambda e: (e.when.isoformat(), e.seq))


def timeline_svg(review_id, actor, uow, key=True):
    """The chronology as a swimlane picture, with the candidates not dismissed marked."""
    check_may_review(actor)
    with uow:
        review = repository.get(uow.session, review_id)
        entries = projection.chronology(uow.session, review["subject_id"])
        candidates = [c for c in repository.list_candidates(uow.session, review_id)
                      if c["status"] != "dismissed"]
    return render_timeline(entries, candidates, key=key,
                           title=f"Chronology for case review {review_id}")


def report(review_id, fmt, actor, uow, anonymised=False, person=None, staff=None):
    """The review as a file (`fmt`: docx or pdf): its chronology, missed opportunities with
    their decisions, findings and lessons; anonymised, with the person's and the staff's
    names replaced by roles (reports.py). `person` is the subject as referrals has it,
    `staff` the gateway's directory of who is who. Returns (bytes, media type, filename).
    Reads only: the candidates are the ones the review holds, not found again."""
    check_may_review(actor)
    if fmt not in reports.FORMATS:
        raise NotFound(f"There is no {fmt} report.", {"format": list(reports.FORMATS)})
    with uow:
        review = repository.full(uow.session, review_id)
        entries = projection.chronology(uow.session, review["subject_id"])
        candidates = repository.list_candidates(uow.session, review_id)
    built = reports.build(review, entries, candidates, person=person, staff=staff,
                          anonymised=bool(anonymised))
    return reports.render(built, fmt), reports.FORMATS[fmt], reports.filename(built, fmt)


# --- reviews ----------------------------------------------------------------------------

def open_review(payload, actor, uow, now=None):
    """A reviewer opens a review for a subject after an incident."""
    check_may_review(actor)
    cmd, now = _load(OpenReviewSchema, payload), now or utcnow()
    with uow:
        review_id = repository.add(uow.session, cmd["subject_id"], "open", cmd["trigger"],
                                actor["username"], now, cmd["incident_summary"],
                                cmd["incident_date"])
        _announce_opened(uow, repository.get(uow.session, review_id), actor)
        return repository.full(uow.session, review_id)


def accept_suggestion(review_id, payload, actor, uow, now=None):
    """A reviewer takes up a review a pattern suggested, giving the incident's details."""
    check_may_review(actor)
    cmd, now = _load(AcceptSuggestionSchema, payload), now or utcnow()
    with uow:
        review = repository.get(uow.session, review_id, for_update=True)
        workflow.check_move(review["stage"], "open")
        repository.update(uow.session, review_id, stage="open", opened_by=actor["username"],
                       opened_at=now, incident_summary=cmd["incident_summary"],
                       incident_date=cmd["incident_date"],
                       trigger=cmd["trigger"] or review["trigger"])
        repository.add_stage(uow.session, review_id, "open", actor["username"], now)
        _announce_opened(uow, repository.get(uow.session, review_id), actor)
        return repository.full(uow.session, review_id)


def move_review(review_id, stage, actor, uow, now=None):
    """open -> gathering -> panel, or a suggestion declined; anything else is a 409.
    Opening a suggestion and publishing have their own use cases (they need more)."""
    check_may_review(actor)
    now = now or utcnow()
    if stage in ("open", "published"):
        raise Conflict(f"Use the {'accept' if stage == 'open' else 'publish'} step to move a "
                       f"review to {stage}.", {"stage": [stage]})
    if stage not in workflow.STAGES:
        raise InvalidContent("Unknown stage.", {"stage": [f"One of: "
                                                          f"{', '.join(workflow.STAGES)}."]})
    with uow:
        review = repository.get(uow.session, review_id, for_update=True)
        workflow.check_move(review["stage"], stage)
        repository.update(uow.session, review_id, stage=stage)
        repository.add_stage(uow.session, review_id, stage, actor["username"], now)
        uow.publish("case_review.stage_moved", 1, {
            **_about(review), "from_stage": review["stage"], "stage": stage,
            "moved_by": actor["username"], "moved_at": now}, actor)
        log.info("case_review.moved", case_review_id=review_id, stage=stage)
        return repository.full(uow.session, review_id)


def resolve_reference(reference, uow):
    """The id of the case review a person named by its reference (WL-C-2026-000123), so
    that a reference is taken wherever an id is. Who may read it is still decided by the
    call that follows, with the id."""
    with uow:
        review_id = repository.id_by_reference(uow.session, reference)
    if review_id is None:
        raise NotFound(f"There is no case review {reference}.", {"reference": [reference]})
    return review_id


def get_review(review_id, actor, uow):
    check_may_review(actor)
    with uow:
        return repository.full(uow.session, review_id)


def list_reviews(stage, limit, cursor, actor, uow):
    check_may_review(actor)
    with uow:
        return repository.list_page(uow.session, stage, limit, cursor)


# --- missed opportunities, findings, lessons ---------------------------------------------

def missed_opportunities(review_id, actor, uow, rulebook, now=None):
    """What the rules find in the chronology now, with each candidate's decision. A
    published review shows what it was published with."""
    check_may_review(actor)
    now = now or utcnow()
    with uow:
        # Locked: two reviewers opening the page at once refresh the candidates in turn.
        review = repository.get(uow.session, review_id, for_update=True)
        found = None
        if review["stage"] != "published":
            entries = projection.chronology(uow.session, review["subject_id"])
            found = repository.save_candidates(uow.session, review_id,
                                            rulebook.find(entries, now), now)
        rows = repository.list_candidates(uow.session, review_id)
    for row in rows:
        row["still_found"] = True if found is None else row["id"] in found
    return rows


def decide_missed_opportunity(review_id, candidate_id, decision, payload, actor, uow,
                              now=None):
    """Confirm or dismiss a candidate with the reason; it may be decided again until
    publication (reviews change their minds at panel)."""
    check_may_review(actor)
    reason, now = _load(DecisionSchema, payload)["reason"], now or utcnow()
    status = {"confirm": "confirmed", "dismiss": "dismissed"}[decision]
    with uow:
        review = repository.get(uow.session, review_id, for_update=True)
        workflow.check_working(review["stage"], "A decision")
        candidate = repository.get_candidate(uow.session, review_id, candidate_id)
        repository.decide_candidate(uow.session, candidate_id, status, reason,
                                 actor["username"], now)
        uow.publish("case_review.missed_opportunity_decided", 1, {
            **_about(review), "missed_opportunity_id": candidate_id,
            "rule": candidate["rule"], "decision": status, "decided_by": actor["username"],
            "decided_at": now}, actor)
        log.info("missed_opportunity.decided", case_review_id=review_id,
                 missed_opportunity_id=candidate_id, decision=status)
        return repository.get_candidate(uow.session, review_id, candidate_id)


def add_finding(review_id, payload, actor, uow, now=None):
    """A finding, from a candidate (which it confirms) or found by the reviewers
    themselves, optionally with its lesson."""
    check_may_review(actor)
    cmd, now = _load(FindingSchema, payload), now or utcnow()
    with uow:
        review = repository.get(uow.session, review_id, for_update=True)
        workflow.check_working(review["stage"], "A finding")
        candidate_id = cmd.get("missed_opportunity_id")
        if candidate_id:
            candidate = repository.get_candidate(uow.session, review_id, candidate_id)
            if candidate["status"] != "confirmed":
                repository.decide_candidate(uow.session, candidate_id, "confirmed",
                                         cmd["finding"], actor["username"], now)
        finding_id = repository.add_finding(uow.session, review_id, cmd, actor["username"], now)
        lesson_id = None
        if cmd.get("lesson"):
            lesson = {"agency": cmd.get("agency"), **{k: v for k, v in cmd["lesson"].items()
                                                      if v is not None}}
            lesson_id = repository.add_lesson(uow.session, review_id,
                                           {**lesson, "finding_id": finding_id},
                                           actor["username"], now)
        uow.publish("case_review.finding_recorded", 1, {
            **_about(review), "finding_id": finding_id, "agency": cmd.get("agency"),
            "missed_opportunity_id": candidate_id, "lesson_id": lesson_id,
            "recorded_by": actor["username"], "recorded_at": now}, actor)
        return repository.full(uow.session, review_id)


def add_lesson(review_id, payload, actor, uow, now=None):
    check_may_review(actor)
    cmd, now = _load(LessonSchema, payload), now or utcnow()
    with uow:
        review = repository.get(uow.session, review_id, for_update=True)
        workflow.check_working(review["stage"], "A lesson")
        if not cmd.get("agency"):
            raise InvalidContent(REFUSED, {"agency": ["Name the agency the lesson is for."]})
        if cmd.get("finding_id"):
            repository.get_finding(uow.session, review_id, cmd["finding_id"])
        lesson_id = repository.add_lesson(uow.session, review_id, cmd, actor["username"], now)
        uow.publish("case_review.lesson_recorded", 1, {
            **_about(review), "lesson_id": lesson_id, "agency": cmd["agency"],
            "finding_id": cmd.get("finding_id"), "recorded_by": actor["username"],
            "recorded_at": now}, actor)
        return repository.full(uow.session, review_id)


def publish(review_id, actor, uow, rulebook, now=None):
    """Publish from panel: every candidate decided, at least one lesson; the lessons go
    to every partner agency (`case_review.published`)."""
    check_may_review(actor)
    now = now or utcnow()
    with uow:
        review = repository.get(uow.session, review_id, for_update=True)
        undecided = [c["id"] for c in repository.list_candidates(uow.session, review_id)
                     if c["status"] == "candidate"]
        lessons = repository.list_lessons(uow.session, review_id)
        workflow.check_publishable(review["stage"], undecided, lessons)
        repository.update(uow.session, review_id, stage="published",
                       published_by=actor["username"], published_at=now)
        repository.add_stage(uow.session, review_id, "published", actor["username"], now)
        uow.publish("case_review.published", 2, {
            "case_review_id": review_id, "reference": review["reference"], "subject_id": review["subject_id"],
            "incident_date": review["incident_date"], "published_by": actor["username"],
            "published_at": now,
            "findings": len(repository.list_findings(uow.session, review_id)),
            "lessons": [{"lesson_id": lesson["id"], "agency": lesson["agency"],
                         "recommendation": lesson["recommendation"],
                         "owner": lesson["owner"], "due_date": lesson["due_date"]}
                        for lesson in lessons],
            "agencies": list(rulebook.partner_agencies),
        }, actor)
        log.info("case_review.published", case_review_id=review_id, lessons=len(lessons))
        return repository.full(uow.session, review_id)


def _about(review):
    """What every case review event names: the review and the person it is about (the
    audit trail names both, so the subject's own trail shows who worked on the review)."""
    return {"case_review_id": review["id"], "subject_id": review["subject_id"]}


def _announce_opened(uow, review, actor):
    uow.publish("case_review.opened", 1, {
        "case_review_id": review["id"], "subject_id": review["subject_id"],
        "trigger": review["trigger"], "incident_date": review["incident_date"],
        "opened_by": review["opened_by"], "opened_at": review["opened_at"],
        "suggested_by_rule": review["suggested_by_rule"],
    }, actor)
    log.info("case_review.opened", case_review_id=review["id"])
