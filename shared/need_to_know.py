"""Need to know: which audience reads which fields of which kind of record. One table,
read by the services that own the records (they shape every answer with `shape`), by
`docs/need-to-know.md` (generated from it by `markdown()`, and checked by a unit test) and
by the matrix test that asks the running stack for every cell.

Who counts as which audience for a record is each owning service's rule (its `domain.py`),
because only the owner knows the relationship (who referred it, which agency owns an
action on it); what each audience then reads is decided here, once.

The audiences:
- `referrer`: the person who referred it, and their agency's team (journey 1: "the
  referring team is told the outcome"). They made the record, so they read it whole, but
  never the police's and coordinator's internal reasoning about it.
- `owning_agency`: an agency that owns, or has owned, an action raised on the record, or
  that a referral was redirected to. It reads what it needs to act: the person as
  referred, the concern, its risk and handling code, never other agencies' working notes.
- `police`: the Safer Neighbourhoods sergeant of the record's ward, the PCSO who made it,
  and the Borough Intelligence Unit (analysts).
- `coordinator`: the partnership tasking meeting's coordinator, borough-wide.
- `reviewer`: members of a missed-opportunity case review, borough-wide ("agencies need
  whole information" when learning from a case).
- `panel`: a ward panel's chair, a resident: only what the public may know of their own
  ward's priorities.
An audience missing from a kind's row reads none of that kind (it is answered 404).
"""

AUDIENCES = ("referrer", "owning_agency", "police", "coordinator", "reviewer", "panel")

_REFERRAL = ("id", "reference", "status", "subject_id", "subject", "category", "risk_level", "ward",
             "summary", "details", "lawful_basis", "handling_code", "handling_conditions",
             "redirect_to_agency", "outcome", "referring_agency", "referred_by",
             "submitted_at", "history")
_REFERRAL_STEP = ("status", "at", "by", "agency", "reason", "reason_for_referrer")
_PERSON = ("id", "given_name", "family_name", "date_of_birth", "address", "records",
           "referrals", "known_to_other_agencies")
_TASKING_ITEM = ("id", "reference", "title", "description", "ward", "owner_agency",
                 "owner_user", "status", "overdue", "due_by", "source_type", "source_id",
                 "source_reference", "risk_level",
                 "meeting_id", "raised_by", "raised_at", "overdue_at", "escalated_to",
                 "outcome", "public_outcome", "completed_by", "completed_at", "history")
_MEETING = ("id", "held_on", "wards", "status", "since", "agenda", "actions", "opened_by",
            "opened_at", "minutes", "closed_by", "closed_at")
_CASE_REVIEW = ("id", "reference", "subject_id", "stage", "trigger", "incident_summary", "incident_date",
                "suggested_by_rule", "created_at", "opened_by", "opened_at", "published_by",
                "published_at", "history", "findings", "lessons")
_INTELLIGENCE = ("id", "reference", "pcso_task_id", "ward", "submitted_by", "observed_at", "location",
                 "text", "submitted_at", "status", "note_due_by", "feedback_due_by",
                 "noted_by", "noted_at", "source_evaluation", "intelligence_assessment",
                 "handling_code", "handling_conditions", "graded_by", "graded_at",
                 "feedback_usage", "feedback_note", "feedback_by", "feedback_at")


def _but(fields, *left_out):
    return tuple(f for f in fields if f not in left_out)


FIELDS = {
    "referral": _REFERRAL,
    "referral.history": _REFERRAL_STEP,
    "person": _PERSON,
    "tasking_item": _TASKING_ITEM,
    "intelligence_report": _INTELLIGENCE,
    "meeting": _MEETING,
    "case_review": _CASE_REVIEW,
}
"""Every field each kind has, in the order the docs list them."""

VIEWS = {
    "referral": {
        "referrer": _REFERRAL,
        "owning_agency": ("id", "reference", "status", "subject", "category", "risk_level", "ward",
                          "summary", "lawful_basis", "handling_code", "handling_conditions",
                          "referring_agency", "submitted_at"),
        "police": _REFERRAL,
        "coordinator": _REFERRAL,
        "reviewer": _REFERRAL,
    },
    "referral.history": {
        # The coordinator's internal triage reason is written for the police; the
        # referring team is given the reason written for them.
        "referrer": _but(_REFERRAL_STEP, "reason"),
        "police": _REFERRAL_STEP,
        "coordinator": _REFERRAL_STEP,
        "reviewer": _REFERRAL_STEP,
    },
    "person": {
        # Only the records their own agency made (or referrals they may read), and whether
        # other agencies know the person: never what those agencies recorded.
        "referrer": _PERSON,
        "police": _but(_PERSON, "known_to_other_agencies"),
        "coordinator": _but(_PERSON, "known_to_other_agencies"),
        "reviewer": _but(_PERSON, "known_to_other_agencies"),
    },
    "tasking_item": {
        "referrer": ("id", "reference", "title", "ward", "owner_agency", "status",
                     "overdue", "due_by", "source_type", "source_id", "source_reference",
                     "risk_level", "raised_at", "outcome", "completed_at"),
        "owning_agency": _TASKING_ITEM,
        "police": _TASKING_ITEM,
        "coordinator": _TASKING_ITEM,
        "reviewer": _TASKING_ITEM,
        # Only actions raised from their own ward's priorities.
        "panel": ("id", "reference", "title", "ward", "status", "due_by", "public_outcome"),
    },
    "intelligence_report": {
        "police": _INTELLIGENCE,
        # Only graded reports with handling code P: ungraded and code C intelligence is
        # for police roles only.
        "coordinator": _INTELLIGENCE,
    },
    "meeting": {
        # Every entry of the agenda and every action is shaped by its own kind's row.
        "police": _MEETING,
        "coordinator": _MEETING,
        "reviewer": _MEETING,
    },
    "case_review": {
        # One person's chronology across every agency: its reviewers only.
        "reviewer": _CASE_REVIEW,
    },
}
"""Kind -> audience -> the fields that audience reads."""

NESTED = {("referral", "history"): "referral.history"}
"""Fields holding a list of records of another kind, shaped by that kind's row."""

ROW_RULES = {
    "tasking_item": {"panel": "only actions raised from a ward priority of the panel's own "
                              "ward; never one raised from a referral",
                     "referrer": "every action raised from a referral the reader, or their "
                                 "agency, made"},
    "intelligence_report": {"coordinator": "only graded reports with handling code P"},
    "meeting": {"police": "a sergeant reads only the agenda entries and actions of their own "
                          "wards, and the minutes (otherwise empty) only when their wards "
                          "cover every ward of the meeting"},
    "person": {"referrer": "only the records behind referrals the reader may see"},
}
"""Which records (not fields) an audience gets, where that is narrower than its role."""


RELATIONSHIPS = ("referrer", "owner_of_action", "same_ward", "other_ward", "none")
"""How a reader stands to a record: they (or their agency) made it; their agency owns, or
has owned, an action on it (or it was redirected to them); it is in one of their wards;
it is in another ward; none of these."""

WHO = {
    "referral": {
        ("partner", "referrer"): "referrer", ("partner", "owner_of_action"): "owning_agency",
        ("coordinator", "*"): "coordinator", ("reviewer", "*"): "reviewer",
        ("analyst", "*"): "police", ("sergeant", "same_ward"): "police",
        ("pcso", "referrer"): "police",
    },
    "person": {
        ("partner", "referrer"): "referrer",
        ("coordinator", "*"): "coordinator", ("reviewer", "*"): "reviewer",
        ("analyst", "*"): "police", ("sergeant", "same_ward"): "police",
        ("pcso", "referrer"): "police",
    },
    "tasking_item": {
        ("partner", "referrer"): "referrer", ("partner", "owner_of_action"): "owning_agency",
        ("coordinator", "*"): "coordinator", ("reviewer", "*"): "reviewer",
        ("analyst", "*"): "police", ("sergeant", "same_ward"): "police",
        ("pcso", "owner_of_action"): "police", ("pcso", "referrer"): "referrer",
        ("panel", "same_ward"): "panel",
    },
    "intelligence_report": {
        ("analyst", "*"): "police", ("sergeant", "same_ward"): "police",
        ("pcso", "referrer"): "police", ("coordinator", "*"): "coordinator",
    },
    "meeting": {
        ("coordinator", "*"): "coordinator", ("analyst", "*"): "police",
        ("reviewer", "*"): "reviewer", ("sergeant", "same_ward"): "police",
    },
    "case_review": {("reviewer", "*"): "reviewer"},
}
"""Kind -> (role, relationship) -> audience; "*" is any relationship. A pair not listed
reads none of that kind (404, or 403 where the role may never ask)."""


def audience_of(kind, role, relationship):
    """The audience a reader of `role` standing in `relationship` to a record of `kind`
    belongs to, or None."""
    who = WHO[kind]
    return who.get((role, relationship), who.get((role, "*")))


def fields_for(kind, audience):
    """The fields `audience` reads of `kind`; empty when it reads none of that kind."""
    return VIEWS[kind].get(audience, ())


def reads(kind, audience):
    return audience in VIEWS[kind]


def shape(kind, audience, record):
    """`record` as `audience` may read it: every other field left out, nested records
    shaped by their own row. Fails closed: an unknown audience reads nothing."""
    shown = {}
    for field in fields_for(kind, audience):
        if field not in record:
            continue
        nested = NESTED.get((kind, field))
        value = record[field]
        if nested and isinstance(value, list):
            value = [shape(nested, audience, entry) for entry in value]
        shown[field] = value
    return shown


def markdown():
    """The table as `docs/need-to-know.md` shows it: one table per kind, a field a row, an
    audience a column."""
    lines = ["# Need to know", "",
             "Generated from `shared/need_to_know.py` (`python -m shared.need_to_know`); "
             "a unit test fails when this page and the table differ. The services shape "
             "every answer from the same table, and `tests/e2e/test_need_to_know_matrix.py` "
             "asks the running stack for every cell.", ""]
    for kind, fields in FIELDS.items():
        audiences = [a for a in AUDIENCES]
        lines += [f"## {kind}", "", "| field | " + " | ".join(audiences) + " |",
                  "|---|" + "---|" * len(audiences)]
        for field in fields:
            marks = ["yes" if field in fields_for(kind, a) else "" for a in audiences]
            lines.append(f"| `{field}` | " + " | ".join(marks) + " |")
        missing = [a for a in audiences if not reads(kind, a)]
        if missing:
            lines += ["", "Reads none of it (404): " + ", ".join(missing) + "."]
        for audience, rule in ROW_RULES.get(kind, {}).items():
            lines += ["", f"Records, for `{audience}`: {rule}."]
        lines.append("")
    lines += ["## Who is which audience", "",
              "How a reader stands to a record decides their audience: `referrer` (they or "
              "their agency made it), `owner_of_action` (their agency owns or has owned an "
              "action on it, or it was redirected to them), `same_ward`, `other_ward`, "
              "`none`. `*` is any of these; a pair not listed reads nothing of that kind.", ""]
    for kind, who in WHO.items():
        lines += [f"### {kind}", "", "| role | relationship | audience |", "|---|---|---|"]
        lines += [f"| {role} | {relationship} | {audience} |"
                  for (role, relationship), audience in who.items()]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(), end="")
