"""The retention schedule: how long each kind of record is kept, by its outcome, and what
its disposal does. The schedule is data (`shared/retention.yaml`, or the file
`WARDLINE_RETENTION_SCHEDULE` names), checked whole when a service starts, so that a
mistyped period or action stops the service with a message naming the entry rather than
keeping (or deleting) records on a guess. No nameko, no SQLAlchemy: the services ask it
when a record falls due and whether a timer may dispose of it without a decision."""
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import yaml

from shared.config import ConfigError
from shared.extensions import BuiltFromConfig

DEFAULT_SCHEDULE_FILE = Path(__file__).with_name("retention.yaml")

ACTIONS = ("review", "anonymise", "delete")
"""review: the DPO decides (retain, with a reason and a new date, or dispose); anonymise
or delete: what disposing of the record does."""

OUTCOMES = {
    "referral": ("no_further_action", "redirected", "closed"),
    "intelligence_report": ("mopi_group_1", "mopi_group_2", "mopi_group_3", "mopi_group_4"),
    "case_review": ("declined", "published"),
}
"""Every record kind the schedule covers, and the outcomes it must give a period for."""

PERIOD = re.compile(r"^(\d+) (year|month|day)s?$")


@dataclass(frozen=True)
class Entry:
    """How long one kind of record with one outcome is kept, and what then."""
    kind: str
    outcome: str
    years: int
    months: int
    days: int
    action: str
    automatic: bool
    source: str
    why: str = ""
    confirm: bool = False

    def due_on(self, since):
        """The day a record closed (published, graded ...) on `since` falls due."""
        since = since.date() if isinstance(since, datetime) else since
        month = since.month - 1 + self.months + 12 * self.years
        year, month = since.year + month // 12, month % 12 + 1
        day = min(since.day, _days_in(year, month))  # 29 February + 1 year: 28 February
        return date.fromordinal(date(year, month, day).toordinal() + self.days)

    @property
    def disposes_without_decision(self):
        return self.automatic and self.action != "review"


@dataclass(frozen=True)
class Schedule:
    """The whole schedule: an Entry for every (kind, outcome), and the sources cited."""
    entries: dict
    sources: dict
    path: str = ""

    @classmethod
    def load(cls, path=None):
        path = Path(path) if path else DEFAULT_SCHEDULE_FILE
        try:
            document = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"Retention schedule {path}: cannot be read ({exc}).") from exc
        return cls.from_document(document, str(path))

    @classmethod
    def from_document(cls, document, path="the retention schedule"):
        sources = document.get("sources") if isinstance(document, dict) else None
        records = document.get("records") if isinstance(document, dict) else None
        if not isinstance(sources, dict) or not sources:
            raise ConfigError(f"{path}: `sources` must name the guidance its periods cite.")
        if not isinstance(records, dict):
            raise ConfigError(f"{path}: `records` must give each record kind its periods.")
        unknown = sorted(set(records) - set(OUTCOMES))
        if unknown:
            raise ConfigError(f"{path}: unknown record kind {', '.join(unknown)}; known: "
                              f"{', '.join(OUTCOMES)}.")
        entries = {}
        for kind, outcomes in OUTCOMES.items():
            given = records.get(kind) or {}
            extra = sorted(set(given) - set(outcomes))
            if extra:
                raise ConfigError(f"{path}: {kind} has no outcome {', '.join(extra)}; its "
                                  f"outcomes are {', '.join(outcomes)}.")
            for outcome in outcomes:
                if outcome not in given:
                    raise ConfigError(f"{path}: {kind}.{outcome} has no entry: every "
                                      "outcome needs a period.")
                entries[(kind, outcome)] = _entry(kind, outcome, given[outcome], sources,
                                                  f"{path}: {kind}.{outcome}")
        return cls(entries, dict(sources), path)

    def entry(self, kind, outcome):
        return self.entries[(kind, outcome)]

    def due_on(self, kind, outcome, since):
        return self.entry(kind, outcome).due_on(since)


def _entry(kind, outcome, raw, sources, where):
    """One entry, every field checked: the period, the action, automatic, the source."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be a mapping with after, action, automatic, source.")
    period = PERIOD.match(str(raw.get("after", "")).strip())
    if not period:
        raise ConfigError(f"{where}: after {raw.get('after')!r} is not a period such as "
                          "\"6 years\", \"18 months\" or \"30 days\".")
    if raw.get("action") not in ACTIONS:
        raise ConfigError(f"{where}: action {raw.get('action')!r} is not one of "
                          f"{', '.join(ACTIONS)}.")
    if not isinstance(raw.get("automatic"), bool):
        raise ConfigError(f"{where}: automatic must be true or false.")
    if raw["automatic"] and raw["action"] == "review":
        raise ConfigError(f"{where}: a review is a decision, so it cannot be automatic; "
                          "set action to delete or anonymise, or automatic to false.")
    if raw.get("source") not in sources:
        raise ConfigError(f"{where}: source {raw.get('source')!r} is not one of the "
                          f"sources: {', '.join(sources)}.")
    number, unit = int(period.group(1)), period.group(2)
    return Entry(kind, outcome, years=number if unit == "year" else 0,
                 months=number if unit == "month" else 0, days=number if unit == "day" else 0,
                 action=raw["action"], automatic=raw["automatic"], source=raw["source"],
                 why=str(raw.get("why", "")), confirm=bool(raw.get("confirm", False)))


def _days_in(year, month):
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - date(year, month, 1)).days


def rows(schedule):
    """The schedule as a table's rows, for `GET /api/retention-schedule` and the docs."""
    return [{"kind": e.kind, "outcome": e.outcome, "after": _period_text(e),
             "action": e.action, "automatic": e.automatic, "source": e.source,
             "source_title": " ".join(str(schedule.sources[e.source].get("title", "")).split()),
             "confirm": e.confirm, "why": " ".join(e.why.split())}
            for e in schedule.entries.values()]


def _period_text(entry):
    for number, unit in ((entry.years, "year"), (entry.months, "month"), (entry.days, "day")):
        if number:
            return f"{number} {unit}{'s' if number != 1 else ''}"
    return "0 days"


def retention_schedule():
    """The dependency every service declares: the schedule, loaded and checked when the
    service starts, so that a wrong file stops it before it keeps or disposes of anything."""
    return BuiltFromConfig(lambda config: Schedule.load(config.get("RETENTION_SCHEDULE")))
