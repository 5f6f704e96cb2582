"""Reviews in the database: the review, its stage history, the missed opportunities the
rules found for it (with the reviewers' decisions), findings and lessons."""
import uuid

import sqlalchemy as sa

from services.casereview.orm import (findings, lessons, missed_opportunities, review_stages,
                                     reviews)
from shared.db import row_by_id
from shared.errors import NotFound
from shared.paging import decode_cursor, page
from shared.references import find_by_reference, next_reference

ACTIVE_STAGES = ("suggested", "open", "gathering", "panel")


def add(session, subject_id, stage, trigger, by, now, incident_summary=None,
        incident_date=None, suggested_by_rule=None):
    review_id = str(uuid.uuid4())
    opened = stage == "open"
    session.execute(reviews.insert().values(
        id=review_id, reference=next_reference(session, "case_review", now),
        subject_id=subject_id, stage=stage, trigger=trigger,
        incident_summary=incident_summary, incident_date=incident_date,
        suggested_by_rule=suggested_by_rule, created_at=now,
        opened_by=by if opened else None, opened_at=now if opened else None))
    add_stage(session, review_id, stage, by, now)
    return review_id


def id_by_reference(session, reference):
    return find_by_reference(session, reviews, reference)


def get(session, review_id, for_update=False):
    return row_by_id(session, reviews, review_id, for_update, missing="No such case review.")


def update(session, review_id, **values):
    session.execute(reviews.update().where(reviews.c.id == review_id).values(**values))


def add_stage(session, review_id, stage, by, now):
    session.execute(review_stages.insert().values(review_id=review_id, stage=stage, by=by,
                                                  at=now))


def full(session, review_id):
    """The review with its history, findings and lessons."""
    review = get(session, review_id)
    review["history"] = _rows(session, sa.select(review_stages).where(
        review_stages.c.review_id == review_id).order_by(review_stages.c.id))
    review["findings"] = list_findings(session, review_id)
    review["lessons"] = list_lessons(session, review_id)
    return review


def list_page(session, stage, limit, cursor):
    """Reviews, newest first, keyset-paged."""
    query = (sa.select(reviews).order_by(reviews.c.created_at.desc(), reviews.c.id.desc())
             .limit(limit + 1))
    if stage:
        query = query.where(reviews.c.stage == stage)
    after = decode_cursor(cursor, 2, ("time", "text"))
    if after:
        query = query.where(sa.tuple_(reviews.c.created_at, reviews.c.id) < sa.tuple_(
            sa.literal(after[0], reviews.c.created_at.type),
            sa.literal(after[1])))
    return page(_rows(session, query), limit,
                lambda r: (r["created_at"].isoformat(), r["id"]))


def lock_suggestions(session):
    """Serialise looking for patterns across the service until the transaction ends
    (PostgreSQL advisory lock; SQLite runs one writer at a time anyway): which records
    are one person may change under the look (a link committing), so no per-person lock
    covers it. Only events that can complete a pattern take it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text(
            "SELECT pg_advisory_xact_lock(hashtext('casereview:suggestions'))"))


def active_for(session, subject_ids, rule=None):
    """Reviews about any of `subject_ids` being worked on or suggested (or, for `rule`,
    declined after that rule suggested them: a declined suggestion is not repeated)."""
    condition = reviews.c.stage.in_(ACTIVE_STAGES)
    if rule:
        condition = sa.or_(condition, sa.and_(reviews.c.stage == "declined",
                                              reviews.c.suggested_by_rule == rule))
    return _rows(session, sa.select(reviews.c.id).where(
        reviews.c.subject_id.in_(subject_ids), condition))


def save_candidates(session, review_id, candidates, now):
    """Record newly found candidates; refresh what an undecided one says. Decisions
    already made stay as the reviewers made them."""
    known = {row.id: row.status for row in session.execute(
        sa.select(missed_opportunities.c.id, missed_opportunities.c.status)
        .where(missed_opportunities.c.review_id == review_id))}
    for candidate in candidates:
        candidate_id = candidate.id_for(review_id)
        values = {"summary": candidate.summary, "entry_ids": list(candidate.entry_ids)}
        if candidate_id not in known:
            session.execute(missed_opportunities.insert().values(
                id=candidate_id, review_id=review_id, rule=candidate.rule,
                status="candidate", found_at=now, **values))
        elif known[candidate_id] == "candidate":
            session.execute(missed_opportunities.update().where(
                missed_opportunities.c.id == candidate_id).values(**values))
    return {candidate.id_for(review_id) for candidate in candidates}


def list_candidates(session, review_id):
    return _rows(session, sa.select(missed_opportunities).where(
        missed_opportunities.c.review_id == review_id)
        .order_by(missed_opportunities.c.found_at, missed_opportunities.c.rule,
                  missed_opportunities.c.id))


def get_candidate(session, review_id, candidate_id):
    row = session.execute(sa.select(missed_opportunities).where(
        missed_opportunities.c.id == candidate_id,
        missed_opportunities.c.review_id == review_id)).first()
    if row is None:
        raise NotFound("No such missed opportunity in this review.",
                       {"missed_opportunity_id": [candidate_id]})
    return row._asdict()


def decide_candidate(session, candidate_id, status, reason, by, now):
    session.execute(missed_opportunities.update().where(
        missed_opportunities.c.id == candidate_id).values(
        status=status, reason=reason, decided_by=by, decided_at=now))


def add_finding(session, review_id, finding, by, now):
    finding_id = str(uuid.uuid4())
    session.execute(findings.insert().values(
        id=finding_id, review_id=review_id, missed_opportunity_id=finding.get(
            "missed_opportunity_id"), finding=finding["finding"],
        agency=finding.get("agency"), added_by=by, added_at=now))
    return finding_id


def add_lesson(session, review_id, lesson, by, now):
    lesson_id = str(uuid.uuid4())
    session.execute(lessons.insert().values(
        id=lesson_id, review_id=review_id, finding_id=lesson.get("finding_id"),
        agency=lesson["agency"], recommendation=lesson["recommendation"],
        owner=lesson["owner"], due_date=lesson["due_date"], added_by=by, added_at=now))
    return lesson_id


def list_findings(session, review_id):
    return _rows(session, sa.select(findings).where(findings.c.review_id == review_id)
                 .order_by(findings.c.added_at, findings.c.id))


def list_lessons(session, review_id):
    return _rows(session, sa.select(lessons).where(lessons.c.review_id == review_id)
                 .order_by(lessons.c.added_at, lessons.c.id))


def get_finding(session, review_id, finding_id):
    row = session.execute(sa.select(findings.c.id).where(
        findings.c.id == finding_id, findings.c.review_id == review_id)).first()
    if row is None:
        raise NotFound("No such finding in this review.", {"finding_id": [finding_id]})


def _rows(session, query):
    return [row._asdict() for row in session.execute(query)]
