"""Data-scale measurements on generated data: the tasking board over many items,
matching a new referral against many subjects (candidate blocking through indexed keys,
never a fuzzy score per row), and reading one subject's chronology among many subjects
and entries (case review); and the tasking dashboard over the board's items, their
referrals and history, for every role that has one, unfiltered and by ward. Rows are
generated with COPY for speed."""
import io
import json
import os
import random
import statistics
import time
import uuid
from datetime import date, datetime, timedelta, timezone

import psycopg2

from services.casereview import projection
from services.referrals import repository as referrals_repository
from services.referrals.domain import subject_match_key
from services.referrals.matching import Person, blocking_keys, compare
from services.tasking import dashboards as tasking_dashboards
from services.tasking import repository as tasking_repository
from services.tasking.domain import item_scope
from services.tasking.orm import metadata as tasking_metadata
from shared.db import UnitOfWork, driver_url, make_engine, session_factory
from shared.testing.factories import FAMILY_NAMES, GIVEN_NAMES

ROWS = int(os.environ.get("BENCH_SCALE", "1000000"))
WARDS = ["dalston", "hackney-central", "homerton", "clissold", "haggerston", "victoria",
         "hoxton-west", "lea-bridge", "springfield", "cazenove"]
QUERIES = 200
RISK_LEVELS = ["high", "medium", "standard"]


def run(database_url):
    # COPY cannot run under eventlet's wait callback; loading is not what is measured.
    green_wait = psycopg2.extensions.get_wait_callback()
    psycopg2.extensions.set_wait_callback(None)
    raw = psycopg2.connect(driver_url(database_url).replace("postgresql+psycopg2", "postgresql"))
    results, dashboard_figures = {}, {}
    try:
        label = f"{ROWS:,}"
        results[f"tasking board, {label} items (ward + status)"] = tasking_board(raw,
                                                                                 database_url)
        # On the board's items, their referrals, history and intelligence reports.
        for reader, figures in dashboards(database_url).items():
            dashboard_figures[f"tasking dashboard, {label} items / "
                              f"{ROWS // REFERRALS_PER_ITEM:,} referrals, {reader}"] = figures
        results[f"match a new referral, {label} subjects"] = matching(raw, database_url)
        results[f"chronology of a subject, {ROWS // 10:,} subjects / {ROWS * 5:,} entries"] = \
            chronology(raw, database_url)
    finally:
        raw.close()
        psycopg2.extensions.set_wait_callback(green_wait)
    return {"p95_ms": results, "dashboards_ms": dashboard_figures}


def _copy(raw, table, columns, rows):
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    with raw.cursor() as cur:
        cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
    raw.commit()


def tasking_board(raw, database_url):
    rng = random.Random(1)
    now = datetime.now(timezone.utc)
    tasking_data(raw, now)
    engine = make_engine(database_url, "tasking")
    first_actions(raw, engine)
    # The board as a sergeant asks for it (GET /api/tasking/items?ward=&status=), through the
    # tasking service's own query: scope, filters, keyset page of 50.
    from sqlalchemy.orm import Session
    timings = []
    with engine.connect() as conn:
        for _ in range(QUERIES):
            ward, status = rng.choice(WARDS), rng.choice(["open", "overdue"])
            sergeant = {"role": "sergeant", "username": "bench", "wards": [ward]}
            started = time.perf_counter()
            with Session(conn) as session:
                page = tasking_repository.list_items(
                    session, item_scope(sergeant), {"ward": ward, "status": status}, None,
                    now, 50, None)
            timings.append((time.perf_counter() - started) * 1000)
            assert page["items"] and all(item["ward"] == ward and item["status"] == status
                                         for item in page["items"])
    engine.dispose()
    return p95(timings)


# The tasking service's data as a borough's year leaves it: ROWS tasking items, of which
# one in ten is the item the routing rules raised for a referral (ROWS // 10 referrals:
# 100,000 for the default 1,000,000 items) and one in twenty an action raised for one at a
# meeting; their history (the automatic raising, assignments, progress, completions and
# overdue marks); and ROWS // 20 intelligence reports, most with feedback.
REFERRALS_PER_ITEM = 10
MEETING_ACTIONS_PER_ITEM = 20
REPORTS_PER_ITEM = 20
DAYS_OF_DATA = 26 * 7


def tasking_data(raw, now):
    rng = random.Random(4)
    statuses = ["open"] * 3 + ["completed"] * 6 + ["overdue"]
    with raw.cursor() as cur:
        cur.execute("SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = 'tasking' AND table_name = 'tasking_items' "
                    "AND is_nullable = 'NO'")
        required = {r[0] for r in cur.fetchall()}
    base = {"title": "Generated action", "owner_agency": "housing"}
    extra = sorted(c for c in required if c in base)
    referrals = [(str(uuid.uuid4()), rng.choice(WARDS), rng.choice(RISK_LEVELS),
                  now - timedelta(minutes=rng.randint(0, DAYS_OF_DATA * 24 * 60)))
                 for _ in range(max(1, ROWS // REFERRALS_PER_ITEM))]
    _copy(raw, "tasking.referral_records",
          ["referral_id", "category", "risk_level", "ward", "referring_agency", "status",
           "submitted_at"],
          ((referral_id, "youth_at_risk", risk, ward, "yot",
            rng.choice(["accepted"] * 8 + ["received", "closed"]), at.isoformat())
           for referral_id, ward, risk, at in referrals))
    columns = ["id", "reference", "ward", "status", "due_by", "raised_at", "raised_by",
               "risk_level", "source_type", "source_id"] + extra
    history_columns = ["tasking_item_id", "kind", "by", "at"]
    for start in range(0, ROWS, 100_000):
        items, history = [], []
        for n in range(start, min(start + 100_000, ROWS)):
            item_id, status = str(uuid.uuid4()), rng.choice(statuses)
            source_type = source_id = None
            if n % REFERRALS_PER_ITEM == 0 or n % MEETING_ACTIONS_PER_ITEM == 1:
                referral_id, ward, risk, submitted_at = referrals[
                    n // REFERRALS_PER_ITEM % len(referrals)] if n % REFERRALS_PER_ITEM == 0 \
                    else rng.choice(referrals)
                source_type, source_id = "referral", referral_id
            else:
                ward, risk = rng.choice(WARDS), "standard"
                submitted_at = now - timedelta(minutes=rng.randint(0, DAYS_OF_DATA * 24 * 60))
            # The routing rules' item is raised by the tasking service within a second;
            # any other by a person (at a meeting, or by hand), which is acting on it.
            routed = n % REFERRALS_PER_ITEM == 0
            raised_at = submitted_at + (timedelta(seconds=1) if routed else
                                        timedelta(hours=rng.randint(1, 400)))
            raised_by = "tasking" if routed else "coordinator"
            items.append([item_id, f"BENCH-A-{n:07d}", ward, status,
                          (raised_at + timedelta(hours=rng.randint(-500, 2000))).isoformat(),
                          raised_at.isoformat(), raised_by, risk, source_type, source_id]
                         + [base[c] for c in extra])
            history.append((item_id, "raised", raised_by, raised_at.isoformat()))
            at = raised_at
            if rng.random() < 0.15:
                history.append((item_id, "overdue", "tasking",
                                (at + timedelta(hours=rng.randint(1, 300))).isoformat()))
            if routed and rng.random() < 0.1:
                continue  # nobody has acted on it yet
            for kind in ["assigned"] + ["update"] * rng.randint(0, 2) + (
                    ["completed"] if status == "completed" else []):
                at += timedelta(hours=rng.randint(1, 150))
                history.append((item_id, kind, "coordinator" if kind == "assigned"
                                else "yot.partner", at.isoformat()))
        _copy(raw, "tasking.tasking_items", columns, items)
        _copy(raw, "tasking.tasking_item_history", history_columns, history)
    reports = []
    for n in range(max(1, ROWS // REPORTS_PER_ITEM)):
        at = now - timedelta(minutes=rng.randint(0, DAYS_OF_DATA * 24 * 60))
        feedback = at + timedelta(hours=rng.randint(24, 30 * 24)) if rng.random() < 0.8 \
            else None
        if feedback is not None and feedback > now:
            feedback = None
        reports.append((str(uuid.uuid4()), f"BENCH-I-{n:07d}", rng.choice(WARDS), "pcso.bench",
                        at.isoformat(), "Generated location", "Generated report",
                        at.isoformat(), "closed" if feedback else "awaiting_feedback",
                        (at + timedelta(days=3)).isoformat(),
                        (at + timedelta(days=14)).isoformat(),
                        feedback and feedback.isoformat(), feedback and "warrant"))
    _copy(raw, "tasking.intelligence_reports",
          ["id", "reference", "ward", "submitted_by", "observed_at", "location", "text",
           "submitted_at", "status", "note_due_by", "feedback_due_by", "feedback_at",
           "feedback_usage"], reports)
    # VACUUM as well as ANALYZE: autovacuum keeps tables that take inserts vacuumed
    # (PostgreSQL 13 and later), which lets index-only scans skip the heap; straight after
    # COPY every row would be planned as a heap visit, a state production never stays in.
    raw.autocommit = True  # VACUUM cannot run inside a transaction
    try:
        with raw.cursor() as cur:
            for table in ("tasking_items", "tasking_item_history", "referral_records",
                          "intelligence_reports"):
                cur.execute(f"VACUUM ANALYZE tasking.{table}")
    finally:
        raw.autocommit = False


def first_actions(raw, engine):
    """COPY wrote the history around repository.add_history, which keeps each referral's
    first action on its record, and the feedback around give_feedback, which keeps its
    week and hours: they are set from the rows, as the migrations that added them did
    (repository.refresh_first_actions, feedback_times), and the tables vacuumed again."""
    from sqlalchemy.orm import Session
    with Session(engine) as session:
        tasking_repository.refresh_first_actions(session)
        tasking_repository.feedback_times(session)
        session.commit()
    raw.autocommit = True
    try:
        with raw.cursor() as cur:
            for table in ("referral_records", "intelligence_reports"):
                cur.execute(f"VACUUM ANALYZE tasking.{table}")
    finally:
        raw.autocommit = False


# Every role that has a dashboard (GET /api/dashboards/tasking), unfiltered and with
# `?ward=`: the coordinator and the BIU see the borough unless they ask for a ward; a
# sergeant sees their own wards (two here, as the demo's does) unless they narrow to one.
DASHBOARD_READERS = {
    "coordinator": {"username": "coordinator", "role": "coordinator", "agency": None,
                    "wards": []},
    "sergeant": {"username": "sgt.bench", "role": "sergeant", "agency": "police",
                 "wards": WARDS[:2]},
    "analyst": {"username": "biu.analyst", "role": "analyst", "agency": "police", "wards": []},
}
DASHBOARD_CALLS = int(os.environ.get("BENCH_DASHBOARD_CALLS", "20"))


def dashboards(database_url):
    """p50 and p95 (ms) of the tasking dashboard, through the tasking service's own code,
    over what tasking_data loaded: per role, unfiltered and filtered by ward."""
    rng = random.Random(5)
    engine = make_engine(database_url, "tasking")
    sessions = session_factory(engine)
    figures = {}
    try:
        for role, actor in DASHBOARD_READERS.items():
            for filtered in (False, True):
                timings = []
                for _ in range(DASHBOARD_CALLS):
                    query = {"ward": rng.choice(actor["wards"] or WARDS)} if filtered else {}
                    started = time.perf_counter()
                    shown = tasking_dashboards.tasking_dashboard(
                        query, actor, UnitOfWork(sessions, tasking_metadata))
                    timings.append((time.perf_counter() - started) * 1000)
                    assert shown["overdue_by_ward"]["wards"], (role, query)
                    if filtered:
                        assert shown["wards"] == [query["ward"]], (role, query)
                scope = "by ward" if filtered else ("own wards" if actor["wards"]
                                                    else "borough")
                figures[f"{role}, {scope}"] = {"p50": p50(timings), "p95": p95(timings)}
    finally:
        engine.dispose()
    return figures


def matching(raw, database_url):
    rng = random.Random(2)
    now = datetime.now(timezone.utc).isoformat()
    for start in range(0, ROWS, 50_000):
        subjects, keys = [], []
        for _ in range(min(50_000, ROWS - start)):
            subject_id = str(uuid.uuid4())
            person = Person(rng.choice(GIVEN_NAMES) + rng.choice(["", "a", "o", "ie"]),
                            rng.choice(FAMILY_NAMES) + str(rng.randint(0, 999)),
                            date(1940, 1, 1) + timedelta(days=rng.randint(0, 30000)))
            subjects.append((subject_id, person.given_name, person.family_name,
                             person.date_of_birth.isoformat(),
                             subject_match_key(person.given_name, person.family_name,
                                               person.date_of_birth), subject_id, now))
            keys.extend((key, subject_id) for key in blocking_keys(person))
        _copy(raw, "referrals.subjects", ["id", "given_name", "family_name", "date_of_birth",
                                          "match_key", "person_id", "created_at"], subjects)
        _copy(raw, "referrals.subject_keys", ["key", "subject_id"], keys)
    with raw.cursor() as cur:
        cur.execute("ANALYZE referrals.subjects; ANALYZE referrals.subject_keys")
    raw.commit()  # statistics taken in a transaction never committed are thrown away
    engine = make_engine(database_url, "referrals")
    timings = []
    with engine.connect() as conn:
        for _ in range(QUERIES):
            person = {"given_name": rng.choice(GIVEN_NAMES), "family_name":
                      rng.choice(FAMILY_NAMES) + str(rng.randint(0, 999)),
                      "date_of_birth": date(1940, 1, 1) + timedelta(days=rng.randint(0, 30000))}
            started = time.perf_counter()
            from sqlalchemy.orm import Session
            with Session(conn) as session:
                for candidate in referrals_repository.candidate_subjects(session, person, None):
                    compare(referrals_repository.as_person(person),
                            referrals_repository.as_person(candidate))
            timings.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return p95(timings)


# A subject's story as casereview's projection holds it: referrals about the subject, an
# action on each referral, entries on both (ROWS // 10 subjects, 50 entries each on average:
# 5,000,000 entries for the default 1,000,000).
REFERRALS_PER_SUBJECT = 5
ENTRIES_PER_REFERRAL = 2  # submitted, triaged
ENTRIES_PER_ACTION = 8  # raised, assigned, updates, completed


def chronology(raw, database_url):
    rng = random.Random(3)
    subjects = [str(uuid.uuid4()) for _ in range(max(1, ROWS // 10))]
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    with raw.cursor() as cur:  # after what the full pipeline's run left in the log
        cur.execute("SELECT coalesce(max(seq), 0) FROM casereview.event_log")
        seq = cur.fetchone()[0]
    for first in range(0, len(subjects), 5_000):
        parents, entries, log = [], [], []
        for subject_id in subjects[first:first + 5_000]:
            for _ in range(REFERRALS_PER_SUBJECT):
                referral_id, item_id = str(uuid.uuid4()), str(uuid.uuid4())
                parents += [("referral", referral_id, "subject", subject_id),
                            ("tasking_item", item_id, "referral", referral_id)]
                at = start + timedelta(minutes=rng.randint(0, 3_000_000))
                for n in range(ENTRIES_PER_REFERRAL + ENTRIES_PER_ACTION):
                    seq += 1
                    on_referral = n < ENTRIES_PER_REFERRAL
                    event_id, when = str(uuid.uuid4()), (at + timedelta(hours=n)).isoformat()
                    event_type = "referral.submitted" if on_referral else "tasking_item.updated"
                    agency = rng.choice(["police", "yot", "housing", "health"])
                    entries.append((
                        event_id, seq, when, agency,
                        ("referral", "triage")[n] if on_referral else "update",
                        event_type, "Generated entry",
                        "referral" if on_referral else "tasking_item",
                        referral_id if on_referral else item_id, "{}"))
                    log.append((seq, event_id, event_type, 1, when, _copy_text(json.dumps(
                        _envelope(event_id, event_type, when, agency, subject_id,
                                  referral_id, item_id))), when))
        _copy(raw, "casereview.record_parents",
              ["record_type", "record_id", "parent_type", "parent_id"], parents)
        _copy(raw, "casereview.chronology_entries",
              ["id", "seq", "occurred_at", "agency", "kind", "event_type", "summary",
               "record_type", "record_id", "facts"], entries)
        # The envelopes as they came off the bus: a chronology read takes each entry's
        # actor and causation out of them, so they are part of what is measured.
        _copy(raw, "casereview.event_log",
              ["seq", "event_id", "type", "version", "occurred_at", "message",
               "received_at"], log)
    with raw.cursor() as cur:
        cur.execute("ANALYZE casereview.record_parents; ANALYZE casereview.chronology_entries;"
                    " ANALYZE casereview.event_log")
    raw.commit()  # statistics taken in a transaction never committed are thrown away
    engine = make_engine(database_url, "casereview")
    timings = []
    with engine.connect() as conn:
        from sqlalchemy.orm import Session
        for _ in range(QUERIES):
            subject_id = rng.choice(subjects)
            started = time.perf_counter()
            with Session(conn) as session:
                found = projection.chronology(session, subject_id)
            timings.append((time.perf_counter() - started) * 1000)
            assert len(found) == REFERRALS_PER_SUBJECT * (ENTRIES_PER_REFERRAL
                                                          + ENTRIES_PER_ACTION), len(found)
            assert all(entry.actor.get("agency") == entry.agency for entry in found)
    engine.dispose()
    return p95(timings)


def _envelope(event_id, event_type, when, agency, subject_id, referral_id, item_id):
    """An envelope the size of a real one: ids, the actor and a payload with free text."""
    return {"event_id": event_id, "type": event_type, "version": 1, "occurred_at": when,
            "correlation_id": referral_id, "causation_id": None,
            "actor": {"username": f"{agency}.partner", "role": "partner", "agency": agency},
            "payload": {"referral_id": referral_id, "tasking_item_id": item_id,
                        "subject_id": subject_id, "ward": "dalston", "risk": "medium",
                        "category": "youth_at_risk", "summary": "Generated summary of what "
                        "the referrer saw and why they are worried, as partners write "
                        "it: a few sentences about the person, the place and the time."}}


def _copy_text(value):
    """A value in COPY's text format (a backslash is its escape character)."""
    return value.replace("\\", "\\\\")


def p50(values):
    return round(statistics.median(values), 1)


def p95(values):
    return round(statistics.quantiles(values, n=100, method="inclusive")[94], 1)
