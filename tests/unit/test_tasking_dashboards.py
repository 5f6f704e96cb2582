"""The dashboards' aggregates (services/tasking/dashboards.py) on an in-memory database:
overdue items by ward, referral-to-action time and intelligence feedback turnaround, with
percentiles computed in SQL that agree with Python's; scoped to the caller's wards; and
the figures Prometheus scrapes."""
import itertools
import random
import statistics
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from nameko.testing.services import worker_factory

from services.tasking import dashboards, handlers, repository
from services.tasking.durations import summaries
from services.tasking.orm import (intelligence_reports, metadata, referral_records,
                                  tasking_item_history, tasking_items)
from services.tasking.routing import RoutingRules
from shared.references import format_reference
from services.tasking.service import TaskingService
from shared.errors import Forbidden, InvalidContent
from shared.events import Event
from shared.testing.memory import InMemoryDatabase

NOW = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)  # a Wednesday
COORDINATOR = {"username": "coordinator", "role": "coordinator", "agency": None, "wards": []}
ANALYST = {"username": "biu.analyst", "role": "analyst", "agency": "police", "wards": []}
SERGEANT = {"username": "sgt.dalston", "role": "sergeant", "agency": "police",
            "wards": ["dalston"]}


@pytest.fixture
def db():
    return InMemoryDatabase(metadata)


_numbers = itertools.count(1)


def reference(kind):
    """A new reference for a row stored here by hand (the use cases number their own)."""
    return format_reference(kind, NOW.year, next(_numbers))


def insert(db, table, **row):
    with db.engine.begin() as conn:
        conn.execute(table.insert().values(**row))


def item(db, ward="dalston", status="open", due_in_hours=24, source_id=None, raised_at=NOW,
         raised_by="tasking"):
    """An item raised by the routing rules (`tasking`), or by a person named."""
    item_id = str(uuid.uuid4())
    insert(db, tasking_items, id=item_id, reference=reference("tasking_item"),
           title="Act on referral", ward=ward,
           owner_agency="yot", status=status, due_by=NOW + timedelta(hours=due_in_hours),
           source_type="referral" if source_id else None, source_id=source_id,
           raised_by=raised_by, raised_at=raised_at)
    history(db, item_id, "raised", raised_by, raised_at)
    return item_id


def history(db, item_id, kind, by, at):
    """A step, written as the use cases write one (repository.add_history), which keeps
    the referral's first action on its record."""
    with db.unit_of_work() as uow:
        repository.add_history(uow.session, item_id, kind, None, by, at)


def referral(db, submitted_at, ward="dalston", risk_level="high", status="accepted"):
    referral_id = str(uuid.uuid4())
    insert(db, referral_records, referral_id=referral_id, category="youth_at_risk",
           risk_level=risk_level, ward=ward, referring_agency="yot", status=status,
           submitted_at=submitted_at)
    return referral_id


def report(db, submitted_at, feedback_at=None, ward="dalston", feedback_days=14):
    """A report, with the week and hours of its feedback kept as give_feedback keeps them
    (repository.feedback_times)."""
    report_id = str(uuid.uuid4())
    insert(db, intelligence_reports, id=report_id,
           reference=reference("intelligence_report"), ward=ward,
           submitted_by="pcso.dalston", observed_at=submitted_at, location="Garages",
           text="Silver hatchback", submitted_at=submitted_at,
           status="closed" if feedback_at else "awaiting_feedback",
           note_due_by=submitted_at + timedelta(days=3),
           feedback_due_by=submitted_at + timedelta(days=feedback_days),
           feedback_at=feedback_at, feedback_usage="warrant" if feedback_at else None)
    with db.unit_of_work() as uow:
        repository.feedback_times(uow.session, report_id)


def dashboard(db, actor=COORDINATOR, **query):
    return dashboards.tasking_dashboard(query, actor, db.unit_of_work(), now=NOW)


# --- percentiles in SQL ------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 2, 3, 4, 7, 10, 11, 50])
def test_sql_median_and_90th_percentile_agree_with_linear_interpolation(db, size):
    values = [round(random.Random(size).uniform(0, 500), 3) for _ in range(size)]
    table = sa.Table("numbers", sa.MetaData(), sa.Column("grp", sa.String),
                     sa.Column("value", sa.Float))
    table.create(db.engine)
    with db.engine.begin() as conn:
        conn.execute(table.insert(), [{"grp": "a", "value": v} for v in values]
                     + [{"grp": "b", "value": v * 2} for v in values])
    with db.sessions() as session:
        [overall] = summaries(session, sa.select(table).subquery())
        by_group = {row["grp"]: row for row in
                    summaries(session, sa.select(table).subquery(), ("grp",))}
    doubled = values + [v * 2 for v in values]
    for row, numbers in ((overall, doubled), (by_group["a"], values),
                         (by_group["b"], [v * 2 for v in values])):
        assert row["count"] == len(numbers)
        assert row["median"] == pytest.approx(statistics.median(numbers))
        expected_p90 = (numbers[0] if len(numbers) == 1 else
                        statistics.quantiles(numbers, n=10, method="inclusive")[8])
        assert row["p90"] == pytest.approx(expected_p90)


def test_no_durations_give_a_count_of_zero_and_no_times(db):
    result = dashboard(db)
    assert result["referral_to_action"]["count"] == 0
    assert result["referral_to_action"]["median_hours"] is None
    assert result["intelligence_feedback"]["p90_hours"] is None
    assert len(result["referral_to_action"]["by_week"]) == 12


# --- overdue items by ward ---------------------------------------------------------------

def test_overdue_items_are_counted_by_ward_most_overdue_first(db):
    for ward, due_in_hours in [("dalston", -1), ("dalston", -30), ("dalston", 5),
                               ("hoxton-east", -2), ("hoxton-east", 48), ("clissold", 3)]:
        item(db, ward=ward, due_in_hours=due_in_hours)
    item(db, ward="clissold", status="completed", due_in_hours=-50)  # done: not overdue
    overdue = dashboard(db)["overdue_by_ward"]
    assert overdue["wards"] == [{"ward": "dalston", "open": 3, "overdue": 2},
                                {"ward": "hoxton-east", "open": 2, "overdue": 1},
                                {"ward": "clissold", "open": 1, "overdue": 0}]
    assert (overdue["open"], overdue["overdue"]) == (6, 3)


def test_a_sergeant_sees_only_their_wards_and_others_are_refused(db):
    item(db, ward="dalston", due_in_hours=-1)
    item(db, ward="hoxton-east", due_in_hours=-1)
    report(db, NOW - timedelta(days=5), feedback_at=NOW - timedelta(days=1), ward="hoxton-east")
    mine = dashboard(db, SERGEANT)
    assert mine["wards"] == ["dalston"]
    assert [w["ward"] for w in mine["overdue_by_ward"]["wards"]] == ["dalston"]
    assert mine["intelligence_feedback"]["count"] == 0
    # Asking for another ward narrows to nothing rather than widening the scope.
    assert dashboard(db, SERGEANT, ward="hoxton-east")["overdue_by_ward"]["wards"] == []
    assert [w["ward"] for w in dashboard(db, ANALYST, ward="hoxton-east")[
        "overdue_by_ward"]["wards"]] == ["hoxton-east"]
    for role in ("partner", "pcso", "panel", "reviewer", "admin"):
        with pytest.raises(Forbidden):
            dashboard(db, {"username": "x", "role": role, "agency": "yot", "wards": ["dalston"]})


@pytest.mark.parametrize("query", [{"weeks": 0}, {"weeks": 53}, {"weeks": "many"},
                                   {"ward": "x" * 61}])
def test_a_bad_query_is_refused_naming_the_field(db, query):
    with pytest.raises(InvalidContent) as refused:
        dashboard(db, **query)
    assert set(refused.value.fields) == set(query)


# --- referral-to-action time -------------------------------------------------------------

def test_referral_to_action_runs_to_the_first_step_a_person_took(db):
    # 6 hours to an assignment; the automatic raising and overdue marks do not count.
    first = referral(db, NOW - timedelta(days=2))
    item_id = item(db, source_id=first, raised_at=NOW - timedelta(days=2))
    history(db, item_id, "overdue", "tasking", NOW - timedelta(days=2, hours=-1))
    history(db, item_id, "assigned", "coordinator", NOW - timedelta(days=2, hours=-6))
    history(db, item_id, "update", "yot.partner", NOW - timedelta(days=1))
    # 30 hours to an action raised at a meeting, medium risk.
    second = referral(db, NOW - timedelta(days=3), risk_level="medium")
    item(db, source_id=second, raised_at=NOW - timedelta(days=3))
    item(db, source_id=second, raised_at=NOW - timedelta(days=3, hours=-30),
         raised_by="coordinator")
    # Nobody has acted on these yet; the closed one is not waiting.
    item(db, source_id=referral(db, NOW - timedelta(hours=3), status="received"))
    referral(db, NOW - timedelta(days=1), status="closed")
    # Acted on before the window: not counted.
    old = referral(db, NOW - timedelta(weeks=20))
    history(db, item(db, source_id=old), "completed", "coordinator", NOW - timedelta(weeks=19))

    result = dashboard(db)["referral_to_action"]
    assert result["count"] == 2 and result["waiting"] == 1
    assert result["median_hours"] == pytest.approx(18, abs=0.01)
    assert result["p90_hours"] == pytest.approx(27.6, abs=0.01)
    assert [(r["risk_level"], r["count"], r["median_hours"]) for r in result["by_risk"]] == [
        ("high", 1, pytest.approx(6, abs=0.01)), ("medium", 1, pytest.approx(30, abs=0.01))]
    this_week = result["by_week"][-1]
    assert this_week["week"] == date(2026, 11, 23) and this_week["count"] == 2
    assert all(week["count"] == 0 for week in result["by_week"][:-1])


def test_a_triage_redirect_through_the_service_is_the_referrals_first_action(db):
    tasking = worker_factory(TaskingService, uow=db.unit_of_work(), rules=RoutingRules.load(),
                             sla={"note_days": 3, "feedback_days": 14})
    referral_id, submitted_at = str(uuid.uuid4()), datetime.now(timezone.utc) - timedelta(hours=5)
    common = {"referral_id": referral_id, "subject_id": str(uuid.uuid4()),
              "category": "asb", "risk_level": "high", "ward": "dalston",
              "referring_agency": "yot", "referred_by": "yot.partner"}
    tasking.raise_item_for_referral(Event("referral.submitted", 1, common | {
        "submitted_at": submitted_at, "handling_code": "P"}))
    assert tasking.get_tasking_dashboard({}, COORDINATOR)["referral_to_action"][
        "waiting"] == 1
    tasking.apply_triage(Event("referral.triaged", 1, common | {
        "decision": "redirect", "status": "redirected", "reason": "Tenancy",
        "redirect_to_agency": "housing", "triaged_by": "coordinator",
        "triaged_at": submitted_at + timedelta(hours=2)}))
    shown = tasking.get_tasking_dashboard({"weeks": "2"}, COORDINATOR)
    assert shown["referral_to_action"]["waiting"] == 0
    assert shown["referral_to_action"]["count"] == 1
    assert 4.9 < shown["referral_to_action"]["median_hours"] < 5.1  # from submission to now
    assert shown["weeks"] == 2 and len(shown["referral_to_action"]["by_week"]) == 2
    assert isinstance(shown["generated_at"], str)  # dumped for the wire


# --- the first action, kept on the referral's record -------------------------------------

def submitted(db, referral_id=None, submitted_at=None):
    """A referral.submitted as tasking takes it (handlers.raise_item_for_referral)."""
    referral_id = referral_id or str(uuid.uuid4())
    handlers.raise_item_for_referral(Event("referral.submitted", 1, {
        "referral_id": referral_id, "subject_id": str(uuid.uuid4()), "category": "asb",
        "risk_level": "high", "ward": "dalston", "referring_agency": "yot",
        "referred_by": "yot.partner", "handling_code": "P",
        "submitted_at": submitted_at or datetime.now(timezone.utc) - timedelta(hours=5)}),
        RoutingRules.load(), db.unit_of_work())
    return referral_id


def first_action_at(db, referral_id):
    with db.unit_of_work() as uow:
        return repository.referral_record(uow.session, referral_id)["first_action_at"]


def steps(db, item_id):
    with db.unit_of_work() as uow:
        return repository.get_item(uow.session, item_id)["history"]


def test_a_referrals_first_action_is_its_first_persons_step_and_no_later_step_moves_it(db):
    referral_id = submitted(db)
    [item_id] = [row["id"] for row in db.rows("tasking_items")
                 if row["source_id"] == referral_id]
    # Tasking's own steps are nobody acting: the routing rules' item, the overdue mark, an
    # assignment by tasking itself (a kept ward priority moves its item so).
    assert first_action_at(db, referral_id) is None
    assert handlers.mark_overdue(db.unit_of_work(),
                                 now=datetime.now(timezone.utc) + timedelta(days=60)) == 1
    with db.unit_of_work() as uow:
        item = repository.get_item(uow.session, item_id)
        handlers.record_assignment(uow, item, "yot", None, item["due_by"],
                                   handlers.TASKING_ACTOR, None)
    history(db, item_id, "overdue", "coordinator", NOW)  # not a kind of step that acts
    assert [s["kind"] for s in steps(db, item_id)] == ["raised", "overdue", "assigned",
                                                       "overdue"]
    assert first_action_at(db, referral_id) is None
    assert dashboard(db)["referral_to_action"]["waiting"] == 1
    # A person's progress is the first action; their later completion does not move it.
    handlers.add_update(item_id, {"note": "Visited"}, COORDINATOR, db.unit_of_work())
    acted = steps(db, item_id)[-1]
    assert acted["kind"] == "update" and first_action_at(db, referral_id) == acted["at"]
    handlers.complete_item(item_id, {"outcome": "Done"}, COORDINATOR, db.unit_of_work())
    assert steps(db, item_id)[-1]["at"] > acted["at"]
    assert first_action_at(db, referral_id) == acted["at"]
    # As the chart always read it: the earliest person's step, whenever it was written.
    history(db, item_id, "assigned", "coordinator", acted["at"] + timedelta(hours=1))
    assert first_action_at(db, referral_id) == acted["at"]
    earlier = acted["at"] - timedelta(minutes=30)
    history(db, item_id, "assigned", "coordinator", earlier)
    assert first_action_at(db, referral_id) == earlier
    shown = dashboard(db, weeks=2)["referral_to_action"]
    assert (shown["count"], shown["waiting"]) == (1, 0)


def test_a_referral_tasking_learns_of_after_steps_on_its_items_takes_its_first_action(db):
    referral_id = str(uuid.uuid4())
    item_id = handlers.raise_item({
        "title": "Visit the family", "ward": "dalston", "owner_agency": "yot",
        "due_by": datetime.now(timezone.utc) + timedelta(days=3),
        "source_type": "referral", "source_id": referral_id}, COORDINATOR, db.unit_of_work())
    [raised] = steps(db, item_id)
    submitted(db, referral_id)  # referral.submitted arrives after the hand-raised action
    assert raised["by"] == "coordinator" and first_action_at(db, referral_id) == raised["at"]


def test_a_submission_arriving_after_its_triage_times_the_first_action_from_itself(db):
    referral_id, submitted_at = str(uuid.uuid4()), datetime.now(timezone.utc) - timedelta(hours=8)
    handlers.apply_triage(Event("referral.triaged", 1, {
        "referral_id": referral_id, "category": "asb", "risk_level": "high",
        "ward": "dalston", "referring_agency": "yot", "referred_by": "yot.partner",
        "decision": "accept", "status": "accepted", "redirect_to_agency": None,
        "triaged_by": "coordinator", "triaged_at": submitted_at + timedelta(hours=2)}),
        RoutingRules.load(), db.unit_of_work())
    [item_id] = [row["id"] for row in db.rows("tasking_items")]
    handlers.add_update(item_id, {"note": "Visited"}, COORDINATOR, db.unit_of_work())
    acted = steps(db, item_id)[-1]["at"]
    submitted(db, referral_id, submitted_at)  # corrects the submission time
    [record] = db.rows("referral_records")
    assert record["submitted_at"] == submitted_at and record["first_action_at"] == acted
    assert record["hours_to_first_action"] == pytest.approx(
        (acted - submitted_at).total_seconds() / 3600, abs=1e-6)


def test_the_first_actions_kept_as_steps_are_written_are_those_the_history_gives(db):
    borough(db, random.Random(7))
    kept = {r["referral_id"]: r for r in db.rows("referral_records")}
    with db.unit_of_work() as uow:  # from the history alone, as the migration fills them
        repository.refresh_first_actions(uow.session)
    assert {r["referral_id"]: r for r in db.rows("referral_records")} == kept
    acted = {r["first_action_at"] for r in kept.values()}
    assert None in acted and len(acted - {None}) > 5
    assert all((r["first_action_week"] is None) == (r["first_action_at"] is None)
               and (r["hours_to_first_action"] is None) == (r["first_action_at"] is None)
               for r in kept.values())


# --- intelligence feedback turnaround ----------------------------------------------------

def test_feedback_turnaround_by_week_with_reports_still_waiting(db):
    last_week = NOW - timedelta(days=7)
    for days in (2, 4, 10, 20):  # feedback given last week, after `days` days
        report(db, last_week - timedelta(days=days), feedback_at=last_week)
    report(db, NOW - timedelta(days=3), feedback_at=NOW - timedelta(hours=1))  # this week
    report(db, NOW - timedelta(days=2))  # waiting, within its 14 days
    report(db, NOW - timedelta(days=20))  # waiting, past due
    result = dashboard(db, ANALYST, weeks=4)["intelligence_feedback"]
    assert result["count"] == 5 and result["within_service_level"] == 4
    assert (result["waiting"], result["waiting_past_due"]) == (2, 1)
    by_week = {week["week"]: week for week in result["by_week"]}
    assert list(by_week) == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16),
                             date(2026, 11, 23)]
    assert by_week[date(2026, 11, 16)]["count"] == 4
    assert by_week[date(2026, 11, 16)]["median_hours"] == pytest.approx(7 * 24, abs=0.01)
    assert by_week[date(2026, 11, 16)]["p90_hours"] == pytest.approx(17 * 24, abs=0.01)
    assert by_week[date(2026, 11, 9)] == {"week": date(2026, 11, 9), "count": 0,
                                          "median_hours": None, "p90_hours": None}


# --- a ward's figures ---------------------------------------------------------------------

WARDS = ("dalston", "hoxton-east", "clissold")


def borough(db, rng):
    """Referrals, their items and history, other items and reports, in three wards."""
    for _ in range(40):
        ward = rng.choice(WARDS)
        referral_id = referral(db, NOW - timedelta(hours=rng.randint(1, 24 * 120)), ward=ward,
                               risk_level=rng.choice(["high", "medium", "standard"]),
                               status=rng.choice(["accepted", "received", "closed"]))
        for _ in range(rng.randint(0, 2)):  # none: a referral nobody has raised anything for
            item_id = item(db, ward=ward, source_id=referral_id,
                           due_in_hours=rng.randint(-200, 200),
                           status=rng.choice(["open", "completed"]),
                           raised_at=NOW - timedelta(hours=rng.randint(1, 24 * 100)))
            for _ in range(rng.randint(0, 3)):
                history(db, item_id, rng.choice(["assigned", "update", "completed", "overdue"]),
                        rng.choice(["coordinator", "yot.partner", "tasking"]),
                        NOW - timedelta(hours=rng.randint(0, 24 * 100)))
    for _ in range(15):
        item(db, ward=rng.choice(WARDS), due_in_hours=rng.randint(-100, 100))
        submitted = NOW - timedelta(hours=rng.randint(24, 24 * 60))
        report(db, submitted, ward=rng.choice(WARDS), feedback_at=rng.choice(
            [None, submitted + timedelta(hours=rng.randint(1, 24 * 20))]))


@pytest.mark.parametrize("ward", WARDS)
def test_a_wards_figures_are_the_boroughs_figures_over_that_wards_records_alone(db, ward):
    borough(db, random.Random(ward))
    asked = dashboard(db, ANALYST, ward=ward)
    sergeant = dashboard(db, SERGEANT | {"wards": [ward]})
    with db.engine.begin() as conn:  # leave only the ward's records
        others = sa.select(tasking_items.c.id).where(tasking_items.c.ward != ward)
        conn.execute(tasking_item_history.delete().where(
            tasking_item_history.c.tasking_item_id.in_(others)))
        for table in (tasking_items, referral_records, intelligence_reports):
            conn.execute(table.delete().where(table.c.ward != ward))
    alone = dashboard(db, ANALYST)
    assert alone["referral_to_action"]["count"] > 0  # the comparison is not of empty charts
    assert asked["wards"] == sergeant["wards"] == [ward] and alone["wards"] is None
    for key in ("overdue_by_ward", "referral_to_action", "intelligence_feedback"):
        assert asked[key] == sergeant[key] == alone[key], key


# --- the figures Prometheus scrapes ------------------------------------------------------

def test_figures_count_referrals_items_intelligence_and_the_outbox(db):
    referral(db, NOW, status="received")
    referral(db, NOW, status="accepted")
    referral(db, NOW, ward="clissold", status="received")
    item(db, due_in_hours=-1)
    item(db, ward="clissold")
    report(db, NOW - timedelta(days=20))  # awaiting feedback, late
    insert(db, intelligence_reports, id="r2", reference=reference("intelligence_report"),
           ward="dalston", submitted_by="p",
           observed_at=NOW, location="l", text="t", submitted_at=NOW, status="awaiting_note",
           note_due_by=NOW + timedelta(days=3), feedback_due_by=NOW + timedelta(days=14))
    with db.unit_of_work() as uow:
        uow.publish("tasking_item.raised", 1, {
            "tasking_item_id": "i", "title": "t", "ward": "dalston", "owner_agency": "yot",
            "due_by": NOW, "source_type": None, "source_id": None}, COORDINATOR)
    figures = dashboards.figures(db.unit_of_work(), now=NOW)
    assert figures["referrals"] == [
        {"ward": "clissold", "received": 1, "awaiting_triage": 1, "disposed": 0},
        {"ward": "dalston", "received": 2, "awaiting_triage": 1, "disposed": 0}]
    assert sorted(figures["tasking_items"], key=lambda r: r["ward"]) == [
        {"ward": "clissold", "open": 1, "overdue": 0},
        {"ward": "dalston", "open": 1, "overdue": 1}]
    assert figures["intelligence_reports"] == [
        {"status": "awaiting_feedback", "waiting": 1, "late": 1},
        {"status": "awaiting_note", "waiting": 1, "late": 0}]
    assert figures["outbox_unsent"] == 1
