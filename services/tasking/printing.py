"""The tasking meeting on paper: agenda, actions and minutes as one plain HTML page that
prints cleanly (no scripts, no external assets, page breaks kept out of rows)."""
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from services.tasking.domain import CATEGORY_WORDS

LONDON = ZoneInfo("Europe/London")
STYLE = """
body { font: 11pt/1.4 Georgia, serif; margin: 2em; color: #000; }
h1 { font-size: 16pt; margin: 0 0 .2em; } h2 { font-size: 13pt; margin: 1.4em 0 .4em; }
table { width: 100%; border-collapse: collapse; } tr { page-break-inside: avoid; }
th, td { border: 1px solid #444; padding: .25em .4em; text-align: left; vertical-align: top; }
th { background: #eee; } .none { font-style: italic; } .minutes { white-space: pre-wrap; }
@media print { body { margin: 0; } a { color: #000; text-decoration: none; } }
"""


def meeting_page(meeting):
    """The whole page for a meeting (its stored agenda, the actions it raised, minutes)."""
    agenda = meeting["agenda"]
    wards = ", ".join(meeting["wards"])
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Tasking meeting {_e(meeting['held_on'])}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Partnership tasking meeting, {_e(meeting['held_on'])}</h1>",
        f"<p>Wards: {_e(wards)}. Status: {_e(meeting['status'])}. Agenda built "
        f"{_when(meeting['opened_at'])} by {_e(meeting['opened_by'])}"
        + (f", covering referrals since {_when(meeting['since'])}" if meeting["since"] else "")
        + ".</p>",
        "<h2>1. New referrals (high risk first)</h2>",
        _table(("Risk", "Concern", "Ward", "Referred by", "Received", "Status"),
               [(r["risk_level"], CATEGORY_WORDS.get(r["category"], r["category"]),
                 r["ward"], r["referring_agency"], _when(r["submitted_at"]), r["status"])
                for r in agenda["new_referrals"]]),
        "<h2>2. Overdue actions</h2>",
        _table(("Action", "Ward", "Owner", "Was due"),
               [(i["title"], i["ward"], _owner(i), _when(i["due_by"]))
                for i in agenda["overdue_items"]]),
        "<h2>3. Ward priorities due for review</h2>",
        _table(("Priority", "Ward", "Review by"),
               [(p["title"], p["ward"], p["review_by"]) for p in agenda["priorities_for_review"]]),
        "<h2>4. Intelligence awaiting feedback</h2>",
        _table(("Report", "Ward", "Submitted", "Feedback due"),
               [(r["id"][:8], r["ward"], _when(r["submitted_at"]), _when(r["feedback_due_by"]))
                for r in agenda["intelligence_awaiting_feedback"]]),
        "<h2>5. Actions agreed</h2>",
        _table(("Action", "Ward", "Owner", "Due"),
               [(i["title"], i["ward"], _owner(i), _when(i["due_by"]))
                for i in meeting["actions"]]),
        "<h2>6. Minutes</h2>",
        _minutes(meeting),
        "</body></html>",
    ]
    return "\n".join(parts)


def _minutes(meeting):
    if meeting.get("minutes"):
        return f'<div class="minutes">{_e(meeting["minutes"])}</div>'
    if meeting["status"] == "closed":  # closed meetings have minutes: not this reader's
        return ('<p class="none">Not shown: the minutes also cover wards outside '
                'yours.</p>')
    return '<p class="none">Not yet recorded (the meeting is open).</p>'


def _table(headings, rows):
    if not rows:
        return '<p class="none">None.</p>'
    head = "".join(f"<th>{_e(h)}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _owner(item):
    return (item.get("owner_agency") or "") + (f" ({item['owner_user']})"
                                                if item.get("owner_user") else "")


def _when(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    # People read London time on paper, whatever the server's zone.
    return value.astimezone(LONDON).strftime("%d %b %Y %H:%M") if value else ""


def _e(value):
    return escape(str(value if value is not None else ""))
