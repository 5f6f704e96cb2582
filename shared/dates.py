"""Dates as people read them: the one way every notice, page, report and print writes a
day or a moment, in London time whatever the server's zone ("2 December 2026, 19:23").

The web pages write dates the same way (core.js `when` and `day`), so that a
reader never meets "02/12/2026" on one page and "2 December 2026" on the next."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def moment_text(moment):
    """A moment in London time: "2 December 2026, 19:23"; "" for none. A naive moment is
    taken as UTC (how the services store them); an ISO string is parsed first."""
    if not moment:
        return ""
    local = _aware(_as_datetime(moment)).astimezone(LONDON)
    return f"{day_text(local)}, {local:%H:%M}"


def day_text(value):
    """A day: "2 December 2026" (no leading zero); "" for none. A moment is first put in
    London time, so that 23:30 UTC on a summer evening is the next day's date."""
    if not value:
        return ""
    if isinstance(value, str):
        value = _as_datetime(value) if len(value) > 10 else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = _aware(value).astimezone(LONDON).date()
    return f"{value.day} {value:%B %Y}"


def _as_datetime(value):
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
