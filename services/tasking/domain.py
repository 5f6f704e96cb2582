"""Tasking rules without a broker or a database: who may see and change which tasking
item, PCSO task and intelligence report; which steps each may take; how an agenda reads."""
from shared.errors import Conflict, Forbidden

CATEGORY_WORDS = {
    "youth_at_risk": "young person at risk",
    "asb": "anti-social behaviour",
    "vulnerable_adult": "vulnerable adult",
    "offender_management": "offender management",
    "domestic_abuse": "domestic abuse",
    "exploitation": "exploitation",
    "other": "other concern",
}
RISK_ORDER = {"high": 0, "medium": 1, "standard": 2}
BOROUGH_WIDE_ROLES = frozenset({"coordinator", "analyst", "reviewer"})
POLICE_ROLES = frozenset({"sergeant", "pcso", "analyst"})
# The need-to-know audience (shared/need_to_know.py) each role reads as, where its scope
# admits the record; a partner outside it may still be the referrer (item_audience).
ITEM_AUDIENCES = {"coordinator": "coordinator", "reviewer": "reviewer", "sergeant": "police",
                  "pcso": "police", "analyst": "police", "partner": "owning_agency",
                  "panel": "panel"}
ESCALATE_TO = "coordinator"
# Who tasking's own steps are by (its actor's username): the routing rules' items, overdue
# marks, a closed ward priority's completion.
SYSTEM_USERNAME = "tasking"
# Steps on a referral's items that show a person acting on it (history `kind`s); `overdue`
# is the due-date check's, and whatever the tasking service itself records is left out.
# The first of them is the referral's first action (the dashboards' referral-to-action
# time), which tasking's record of the referral keeps as each step is written.
ACTION_KINDS = ("raised", "assigned", "update", "completed")


def is_persons_action(kind, by):
    """Whether a history step is a person acting on the item (see ACTION_KINDS)."""
    return kind in ACTION_KINDS and by != SYSTEM_USERNAME


def referral_action_title(category, risk_level, ward):
    """What the tasking meeting reads: the concern and the place, never the person."""
    return f"Act on {risk_level}-risk referral: {CATEGORY_WORDS[category]} ({ward})"


def ward_priority_action_title(title, ward):
    return f"Work on ward priority: {title} ({ward})"[:200]


# --- tasking items -------------------------------------------------------------------

def item_scope(actor):
    """Who sees which tasking items, as (column, allowed values) pairs any of which admits
    an item, or None for the whole borough: the coordinator, the BIU and reviewers see all;
    a sergeant or ward panel their wards' items; a partner its agency's; a PCSO those
    given to them by name; a ward panel only the actions raised from its wards' priorities
    (never one raised from a referral about a person)."""
    role = actor["role"]
    if role in BOROUGH_WIDE_ROLES:
        return None
    if role == "sergeant":
        return [("ward", list(actor.get("wards") or []))]
    if role == "panel":
        return [(("ward", list(actor.get("wards") or [])),
                 ("source_type", ["ward_priority"]))]
    if role == "partner":
        return [("owner_agency", [actor.get("agency")])]
    if role == "pcso":
        return [("owner_user", [actor["username"]])]
    return []


def scope_conditions(entry):
    """A scope entry: one (column, values) pair, or a tuple of pairs that must all hold."""
    return (entry,) if isinstance(entry[0], str) else tuple(entry)


def in_scope(scope, record):
    return scope is None or any(all(record.get(column) in values
                                    for column, values in scope_conditions(entry))
                                for entry in scope)


def is_referrer(actor, referral):
    """The referring side of a referral (tasking's own record of it): the person who
    referred it, or a partner of the agency that referred it."""
    if not referral:
        return False
    if referral.get("referred_by") and actor["username"] == referral["referred_by"]:
        return True
    return bool(actor["role"] == "partner" and actor.get("agency")
                and actor["agency"] == referral["referring_agency"])


def item_audience(actor, item, referral=None):
    """Which audience of the need-to-know table the actor reads this item as, or None when
    they may not see it at all (answered 404). `referral` is tasking's record of the
    referral the item was raised from, if any: its referring agency reads every action on
    it in the referrer's view."""
    audience = ITEM_AUDIENCES.get(actor["role"])
    if audience and in_scope(item_scope(actor), item):
        return audience
    if (item.get("source_type") == "referral" and referral
            and referral["referral_id"] == item.get("source_id")
            and is_referrer(actor, referral)):
        return "referrer"
    return None


def may_work_item(actor, item):
    """The coordinator, or someone of the owning agency who can see the item, may record
    progress and complete it: whoever owns the action moves it on."""
    if actor["role"] == "coordinator":
        return True
    return (actor.get("agency") == item["owner_agency"]
            and in_scope(item_scope(actor), item))


def check_item_open(item, step):
    if item["status"] != "open":
        raise Conflict(f"This tasking item is {item['status']}: it cannot be {step}.",
                       {"status": [item["status"]]})


def check_assignment(actor, item, owner_agency):
    """The coordinator moves actions between agencies; an owning agency may only name the
    person within it who takes the action on."""
    if actor["role"] == "coordinator":
        return
    if not may_work_item(actor, item):
        raise Forbidden("Only the coordinator or the owning agency may assign this item.")
    if owner_agency != item["owner_agency"]:
        raise Forbidden("Only the tasking coordinator may move an action to another agency.",
                        {"owner_agency": [owner_agency]})


def is_overdue(item, now):
    return item["status"] == "open" and item["due_by"] < now


# --- PCSO tasks and intelligence reports ----------------------------------------------

def pcso_task_scope(actor):
    """A PCSO sees their own tasks only; a sergeant their wards'; coordinator and BIU all."""
    role = actor["role"]
    if role in ("coordinator", "analyst"):
        return None
    if role == "sergeant":
        return [("ward", list(actor.get("wards") or []))]
    if role == "pcso":
        return [("assignee", [actor["username"]])]
    return []


def check_may_task_pcso(actor, ward, assignee_account):
    """A sergeant tasks a PCSO of their own ward. Returns field errors (empty if fine)."""
    errors = {}
    if ward not in (actor.get("wards") or []):
        errors["ward"] = ["You may only task PCSOs in your own wards."]
    refusal = why_not_pcso_of_ward(assignee_account, ward)
    if refusal:
        errors["assignee"] = [refusal]
    return errors


def check_may_give_pcso_task(task, assignee, assignee_account):
    """An open task goes to a PCSO of its ward who does not hold it already. Returns
    field errors (empty if fine)."""
    if task["status"] != "open":
        return {"status": [f"This PCSO task is closed ({task['status']}): set a new one."]}
    if task["assignee"] == assignee:
        return {"assignee": [f"{assignee} holds this task already."]}
    refusal = why_not_pcso_of_ward(assignee_account, task["ward"])
    return {"assignee": [refusal]} if refusal else {}


def why_not_pcso_of_ward(account, ward):
    """Why `account` may not hold a PCSO task in `ward`, or None: a PCSO task is worked by
    a PCSO who serves its ward (whoever sets or hands it over)."""
    if not account or account.get("role") != "pcso":
        return "Name a PCSO's username."
    if ward not in (account.get("wards") or []):
        return f"This PCSO does not serve {ward}."
    return None


def check_task_takes_reports(task, actor):
    if task["status"] != "open":
        raise Conflict(f"This PCSO task is closed ({task['status']}): file an ad hoc report "
                       "instead.", {"status": [task["status"]]})


def task_status_after_report(task):
    """A task closes once the reports it asked for are in."""
    return "reports_in" if task["reports_filed"] + 1 >= task["reports_wanted"] else "open"


def intelligence_scope(actor):
    """The BIU sees every report; a sergeant their wards'; a PCSO their own. Ungraded and
    code C intelligence is for police roles only: the coordinator (who need not be police)
    reads only graded reports with handling code P."""
    role = actor["role"]
    if role == "analyst":
        return None
    if role == "coordinator":
        return [("handling_code", ["P"])]
    if role == "sergeant":
        return [("ward", list(actor.get("wards") or []))]
    if role == "pcso":
        return [("submitted_by", [actor["username"]])]
    return []


INTELLIGENCE_STEPS = {
    # step: the statuses it may be taken from
    "noted": ("awaiting_note",),
    "graded": ("awaiting_note", "awaiting_grade"),  # grading a report notes it too
    "given feedback": ("awaiting_feedback",),
}


def check_intelligence_step(report, step):
    if report["status"] not in INTELLIGENCE_STEPS[step]:
        raise Conflict(f"This intelligence report is {report['status'].replace('_', ' ')}: "
                       f"it cannot be {step} now.", {"status": [report["status"]]})


# --- tasking meetings ----------------------------------------------------------------

def agenda(new_referrals, overdue_items, priorities_for_review, intelligence_waiting):
    """The meeting's agenda: new referrals, high risk first (then the oldest), overdue
    actions (the longest overdue first), ward priorities due for review, and intelligence
    still awaiting feedback (the oldest first)."""
    return {
        "new_referrals": sorted(new_referrals, key=lambda r: (RISK_ORDER[r["risk_level"]],
                                                              r["submitted_at"])),
        "overdue_items": sorted(overdue_items, key=lambda i: i["due_by"]),
        "priorities_for_review": sorted(priorities_for_review, key=lambda p: p["review_by"]),
        "intelligence_awaiting_feedback": sorted(intelligence_waiting,
                                                 key=lambda r: r["submitted_at"]),
    }


def reads_ward_of_meeting(actor, ward):
    """A meeting's agenda entries and actions are each about one ward: the coordinator, the
    BIU and reviewers read them all, a sergeant only those of their own wards."""
    if actor["role"] in BOROUGH_WIDE_ROLES:
        return True
    return actor["role"] == "sergeant" and ward in (actor.get("wards") or [])


def reads_minutes(actor, meeting):
    """Minutes are one text about every ward of the meeting and cannot be cut by ward: only
    a reader whose scope covers every ward of the meeting reads them."""
    return all(reads_ward_of_meeting(actor, ward) for ward in meeting["wards"])


def intelligence_audience(actor):
    return "coordinator" if actor["role"] == "coordinator" else (
        "police" if actor["role"] in POLICE_ROLES else None)


def check_meeting_open(meeting, step):
    if meeting["status"] != "open":
        raise Conflict(f"This tasking meeting is closed: it cannot be {step}.",
                       {"status": [meeting["status"]]})


# --- handing over a leaver's open work ---------------------------------------------------

def why_not_holder_of_action(account, item):
    """Why `account` may not be the person named on an action, or None: whoever holds an
    action is of the agency that owns it (moving it to another agency is the
    coordinator's decision, not a handover)."""
    if account.get("agency") != item["owner_agency"]:
        return (f"{item.get('reference') or item['id']} is owned by {item['owner_agency']}: "
                "hand it to someone of that agency.")
    return None


def handover_refusals(leaver, successor, pcso_tasks, items):
    """Why the leaver's open PCSO tasks and actions cannot all go to `successor` (an
    account: username, role, agency, wards, active), as messages for the `to` field;
    empty when they can. With no successor the work goes back to the team, which can
    always take it. All or nothing: one piece the successor cannot hold refuses the lot,
    so that nothing is left half handed over."""
    if successor is None:
        return []
    if successor["username"] == leaver:
        return ["Hand the work over to someone else: this is the leaver."]
    if not successor.get("active", True):
        return [f"{successor['username']}'s account is disabled: it cannot take on work."]
    refusals = [why_not_pcso_of_ward(successor, task["ward"]) for task in pcso_tasks]
    refusals += [why_not_holder_of_action(successor, item) for item in items]
    return sorted({refusal for refusal in refusals if refusal})
