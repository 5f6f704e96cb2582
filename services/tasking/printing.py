"""The tasking meeting on paper: agenda, actions and minutes as one plain HTML page that
prints cleanly (no scripts, no external assets, page breaks kept out of rows)."""
from html import escape

from services.tasking.domain import CATEGORY_WORDS
from shared.dates import day_text, moment_text

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
        f"<title>Tasking meeting {_e(day_text(meeting['held_on']))}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Partnership tasking meeting, {_e(day_text(meeting['held_on']))}</h1>",
        f"<p>Wards: {_e(wards)}. Status: {_e(meeting['status'])}. Agenda built "
        f"{moment_text(meeting['opened_at'])} by {_e(meeting['opened_by'])}"
        + (f", covering referrals since {moment_text(meeting['since'])}" if meeting["since"] else "")
        + ".</p>",
        "<h2>1. New referrals (high risk first)</h2>",
        _table(("Reference", "Risk", "Concern", "Ward", "Referred by", "Received", "Status"),
               [(_reference(r, "referral_id"), r["risk_level"], CATEGORY_WORDS.get(r["category"], r["category"]),
                 r["ward"], r["referring_agency"], moment_text(r["submitted_at"]), r["status"])
                for r in agenda["new_referrals"]]),
        "<h2>2. Overdue actions</h2>",
        _table(("Reference", "Action", "Ward", "Owner", "Was due"),
               [(_reference(i), i["title"], i["ward"], _owner(i), moment_text(i["due_by"]))
                for i in agenda["overdue_items"]]),
        "<h2>3. Ward priorities due for review</h2>",
        _table(("Priority", "Ward", "Review by"),
               [(p["title"], p["ward"], day_text(p["review_by"]))
                for p in agenda["priorities_for_review"]]),
        "<h2>4. Intelligence awaiting feedback</h2>",
        _table(("Report", "Ward", "Submitted", "Feedback due"),
               [(_reference(r), r["ward"], moment_text(r["submitted_at"]), moment_text(r["feedback_due_by"]))
                for r in agenda["intelligence_awaiting_feedback"]]),
        "<h2>5. Actions agreed</h2>",
        _table(("Reference", "Action", "Ward", "Owner", "Due"),
               [(_reference(i), i["title"], i["ward"], _owner(i), moment_text(i["due_by"]))
                for i in meeting["actions"]]),
        "<h2>6. Minutes</h2>",
        _minutes(meeting),
        "</body></html>",
    ]
    return "\n".join(parts)


def _reference(record, id_key="id"):
    """What people say on the phone (WL-A-2026-000123); a record agreed before references
    were given shows the start of its id instead, so that a row is never blank."""
    return record.get("reference") or (record.get(id_key) or "")[:8]


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


def _e(value):
    return escape(str(value if value is not None else ""))
