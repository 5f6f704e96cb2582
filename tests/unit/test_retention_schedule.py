"""The retention schedule: the shipped file loads whole, gives every record kind and
outcome a period, an action and a cited source; a wrong file is refused with a message
naming the entry; and due dates fall where a person counting on a calendar would put them."""
from datetime import date, datetime

import pytest
import yaml

from shared.config import ConfigError, load_config
from shared.retention import DEFAULT_SCHEDULE_FILE, OUTCOMES, Schedule, rows


@pytest.fixture
def document():
    return yaml.safe_load(DEFAULT_SCHEDULE_FILE.read_text())


def test_the_shipped_schedule_covers_every_kind_and_outcome_with_a_cited_source():
    schedule = Schedule.load()
    assert set(schedule.entries) == {(k, o) for k, outs in OUTCOMES.items() for o in outs}
    for entry in schedule.entries.values():
        assert entry.source in schedule.sources and entry.why
    assert "college.police.uk" in schedule.sources["app"]["url"]
    assert "2016" in schedule.sources["npcc"]["title"]


def test_a_referral_closed_with_no_further_action_is_deleted_automatically_after_two_years():
    entry = Schedule.load().entry("referral", "no_further_action")
    assert (entry.action, entry.automatic, entry.disposes_without_decision) == \
        ("delete", True, True)
    assert entry.due_on(date(2026, 3, 14)) == date(2028, 3, 14)


def test_an_actioned_referral_waits_for_the_dpos_decision():
    entry = Schedule.load().entry("referral", "closed")
    assert entry.action == "review" and not entry.disposes_without_decision


def test_graded_intelligence_periods_follow_the_mopi_group_and_are_marked_to_confirm():
    schedule = Schedule.load()
    groups = {o: schedule.entry("intelligence_report", o) for o in
              OUTCOMES["intelligence_report"]}
    assert all(e.confirm and e.action == "review" for e in groups.values())
    assert {o: e.source for o, e in groups.items()} == {
        "mopi_group_1": "app", "mopi_group_2": "app",
        "mopi_group_3": "mopi_guidance_2006", "mopi_group_4": "mopi_guidance_2006"}
    assert all(groups[g].due_on(date(2026, 1, 1)) == date(2032, 1, 1)  # MoPI's six-year
               for g in ("mopi_group_3", "mopi_group_4"))               # minimum
    assert groups["mopi_group_1"].due_on(date(2026, 1, 1)) == date(2036, 1, 1)


def test_the_partnerships_own_periods_are_never_attributed_to_mopi():
    for entry in Schedule.load().entries.values():
        if entry.kind != "intelligence_report":
            assert entry.source == "partnership", entry


@pytest.mark.parametrize("since, after, due", [
    (date(2028, 2, 29), "1 year", date(2029, 2, 28)),     # no 29 February: the 28th
    (date(2026, 1, 31), "1 month", date(2026, 2, 28)),
    (date(2026, 11, 30), "18 months", date(2028, 5, 30)),
    (datetime(2026, 12, 7, 23, 30), "30 days", date(2027, 1, 6)),
])
def test_due_dates_count_on_the_calendar(document, since, after, due):
    document["records"]["referral"]["no_further_action"]["after"] = after
    assert Schedule.from_document(document).due_on("referral", "no_further_action",
                                                   since) == due


@pytest.mark.parametrize("change, message", [
    (lambda d: d["records"]["referral"]["closed"].update(after="six years"), "referral.closed: after"),
    (lambda d: d["records"]["referral"]["closed"].update(action="shred"), "action 'shred'"),
    (lambda d: d["records"]["referral"]["closed"].update(automatic=True), "cannot be automatic"),
    (lambda d: d["records"]["referral"]["closed"].update(source="mopi"), "source 'mopi'"),
    (lambda d: d["records"]["referral"].pop("redirected"), "referral.redirected has no entry"),
    (lambda d: d["records"]["referral"].update(withdrawn={}), "has no outcome withdrawn"),
    (lambda d: d["records"].update(parking_ticket={}), "unknown record kind parking_ticket"),
    (lambda d: d.pop("sources"), "`sources`"),
])
def test_a_wrong_schedule_is_refused_naming_the_entry(document, change, message):
    change(document)
    with pytest.raises(ConfigError, match=message):
        Schedule.from_document(document)


def test_a_file_that_cannot_be_read_stops_the_service_with_its_name(tmp_path):
    with pytest.raises(ConfigError, match="missing.yaml: cannot be read"):
        Schedule.load(tmp_path / "missing.yaml")


def test_the_setting_names_the_file_every_service_loads(tmp_path):
    path = tmp_path / "ours.yaml"
    path.write_text(DEFAULT_SCHEDULE_FILE.read_text())
    config = load_config("referrals", {"WARDLINE_RETENTION_SCHEDULE": str(path)})
    assert Schedule.load(config["RETENTION_SCHEDULE"]).path == str(path)
    assert load_config("referrals", {})["RETENTION_SCHEDULE"] == ""


def test_the_schedules_rows_read_as_a_table():
    table = rows(Schedule.load())
    nfa = next(r for r in table if (r["kind"], r["outcome"]) ==
               ("referral", "no_further_action"))
    assert nfa["after"] == "2 years" and nfa["source_title"].startswith("The partnership")


@pytest.mark.parametrize("service", ["gateway", "referrals", "tasking", "casereview"])
def test_every_service_that_keeps_scheduled_records_checks_the_schedule_at_start(service,
                                                                               tmp_path):
    module = __import__(f"services.{service}.service", fromlist=["*"])
    cls = next(c for c in vars(module).values() if getattr(c, "name", None) == service)
    provider = vars(cls)["retention"]
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("sources: {app: {}}\nrecords: {referral: {closed: {after: soon}}}\n")
    with pytest.raises(ConfigError, match="wrong.yaml"):
        provider.build({"RETENTION_SCHEDULE": str(wrong)})
    assert provider.build({"RETENTION_SCHEDULE": ""}).path == str(DEFAULT_SCHEDULE_FILE)


def test_running_with_a_wrong_schedule_stops_with_one_line_naming_the_entry(
        tmp_path, monkeypatch, capsys):
    from wardline import cli

    wrong = tmp_path / "ours.yaml"
    document = yaml.safe_load(DEFAULT_SCHEDULE_FILE.read_text())
    document["records"]["case_review"]["published"]["action"] = "archive"
    wrong.write_text(yaml.safe_dump(document))
    monkeypatch.setenv("WARDLINE_RETENTION_SCHEDULE", str(wrong))
    assert cli.main(["run", "referrals"]) == 2  # before the broker is even asked
    error = capsys.readouterr().err
    assert error.startswith("wardline: ") and "case_review.published: action 'archive'" in error
    assert "Traceback" not in error
