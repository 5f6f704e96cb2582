"""What each notification says, from Jinja2 templates in `templates/`: one per event,
with a variant per audience where they must differ (`<event>.<audience>.txt`). The first
line is the title. Templates see the context built here and the audience ("partner" or
"police"); the context holds no names of people, and what only the police may read (the
coordinator's internal reasons) is shown to the police audience only; the referring team
is given the reason written for them (`reason_for_referrer`)."""
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from shared.dates import day_text, moment_text

TEMPLATES = Path(__file__).with_name("templates")

CONCERNS = {
    "youth_at_risk": "a young person at risk",
    "asb": "anti-social behaviour",
    "vulnerable_adult": "a vulnerable adult",
    "offender_management": "offender management",
    "domestic_abuse": "domestic abuse",
    "exploitation": "exploitation",
    "other": "a concern",
}
NEXT_STEP = {
    "high": "As a high-risk referral it will be actioned within 24 hours.",
    "medium": "It will be actioned within 7 days.",
    "standard": "It will be considered at the next partnership tasking meeting.",
}
AGENCY_NAMES = {
    "police": "the police", "la-community-safety": "council community safety",
    "yot": "the Youth Offending Team", "probation": "Probation", "health": "health services",
    "education": "education services", "fire": "the fire brigade",
    "youth-services": "youth services", "housing": "housing",
}


@lru_cache(maxsize=1)
def _environment():
    return Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                       autoescape=False)


def render(template, audience, context):
    """(title, body) of `template` for `audience`, falling back to the shared template."""
    environment = _environment()
    try:
        chosen = environment.get_template(f"{template}.{audience}.txt")
    except TemplateNotFound:
        chosen = environment.get_template(f"{template}.txt")
    title, _, body = chosen.render(**context, audience=audience).strip().partition("\n")
    return title.strip(), "\n".join(line.rstrip() for line in body.strip().splitlines())


def referral_context(payload, contact):
    """What a referral's notifications may say: the concern, the ward, the decision."""
    when = (payload.get("closed_at") or payload.get("triaged_at")
            or payload.get("acknowledged_at") or payload.get("refused_at")
            or payload["submitted_at"])
    return {
        "concern": CONCERNS.get(payload.get("category"), "a concern"),
        "ward": ward_name(payload["ward"]),
        "risk": payload.get("risk_level", ""),
        "when": moment_text(when),
        "next_step": NEXT_STEP.get(payload.get("risk_level"), ""),
        "reference": payload.get("referral_reference") or payload.get("reference"),
        "decision": payload.get("decision"),
        "redirect_agency": AGENCY_NAMES.get(payload.get("redirect_to_agency"),
                                            payload.get("redirect_to_agency")),
        "reason": payload.get("reason"),
        "reason_for_referrer": payload.get("reason_for_referrer"),
        "outcome": payload.get("outcome"),
        "agency_name": agency_name(payload.get("agency")),
        "referring_agency_name": agency_name(payload.get("referring_agency")),
        **handling_of(payload),
        "missing": payload.get("reason") if payload.get("via") else None,
        "contact": contact,
    }


USAGES = {
    "supported_enforcement": "it supported enforcement action",
    "supported_warrant_application": "it supported a warrant application",
    "informed_tasking": "it informed tasking",
    "shared_with_partner": "it was shared with a partner agency",
    "corroborated_other_intelligence": "it corroborated other intelligence",
    "filed_for_reference": "it was filed for reference",
    "not_used": "it was not used this time",
}


def ward_name(code):
    return code.replace("-", " ").title()


def agency_name(code):
    return AGENCY_NAMES.get(code, code)


def case_review_context(payload, contact):
    """What a published case review's notification says: its lessons, no person."""
    lessons = [{**lesson, "agency": agency_name(lesson["agency"]),
                "due": day_text(lesson["due_date"])}
               for lesson in payload["lessons"]]
    return {"lessons": lessons, "when": moment_text(payload["published_at"]),
            "reference": payload.get("reference"), "contact": contact}


def tasking_context(payload, contact):
    """Tasking, PCSO and intelligence events: the payload's own words, times in London
    time (`<field>_text`), ward and agency names, and who to contact."""
    context = {"reference": None, "referral_reference": None, **payload, "contact": contact}
    for key, value in payload.items():
        if isinstance(value, datetime):
            context[f"{key}_text"] = moment_text(value)
        elif isinstance(value, date):
            context[f"{key}_text"] = day_text(value)
    context["ward"] = ward_name(payload["ward"])
    if payload.get("owner_agency"):
        context["owner_agency_name"] = agency_name(payload["owner_agency"])
        # An assignment that keeps the item with its agency changes who or when, not whose.
        context["stays_with_agency"] = (payload.get("previous_owner_agency")
                                        == payload["owner_agency"])
        context["previous_owner_agency_name"] = agency_name(
            payload.get("previous_owner_agency"))
    if payload.get("category"):  # news about a referral (its facts added by repository.with_referring_side)
        context["concern"] = CONCERNS.get(payload["category"], "a concern")
    if payload.get("usage"):
        context["usage_text"] = USAGES.get(payload["usage"], payload["usage"])
    context.update(handling_of(payload))
    return context


def handling_of(payload):
    """A code C referral's conditions, which every notice about it shows (3x5x2: "sharing
    permitted with conditions, which must be stated")."""
    return {"handling_code": payload.get("handling_code"),
            "handling_conditions": payload.get("handling_conditions")}


PANEL_READS = ("tasking_item_id", "reference", "ward", "owner_agency", "completed_at",
               "source_type", "source_id", "cause")


def priority_action_context(payload, contact):
    """An action raised from a ward priority, as its ward panel may read it. Panels are
    residents and read an action's public fields only (need_to_know's panel view): never
    the internal `outcome` nor who completed it, so the context does not hold them.
    `public_outcome_told`: whether the event says what the public outcome is (one
    upcast from v2, which did not carry the field, cannot say none was given)."""
    public = {key: payload[key] for key in PANEL_READS if key in payload}
    return {**tasking_context(public, contact),
            "public_outcome": payload.get("public_outcome"),
            "public_outcome_told": payload.get("public_outcome_known",
                                               "public_outcome" in payload)}


def handover_context(payload, contact):
    """A handover's notices: who left the work, who took it on, the references and wards
    of what moved (no briefs or titles: those stay in tasking)."""
    return {**payload, "contact": contact,
            "when": moment_text(payload["handed_over_at"]),
            "task_references": [task["reference"] for task in payload["pcso_tasks"]],
            "action_references": [item["reference"] for item in payload["tasking_items"]],
            "wards": sorted({ward_name(record["ward"]) for record in
                             [*payload["pcso_tasks"], *payload["tasking_items"]]})}


def account_context(payload, contact):
    """An account's notice to the admins: whose account, which role, given by whom."""
    return {**payload, "contact": contact}


STAFF_NEWS = {"work.handed_over": handover_context,
              "user.case_reading_role_given": account_context}
"""Events about staff and their work, not about a referral or a record's ward."""


def context_for(event, contact):
    if event.type in STAFF_NEWS:
        return STAFF_NEWS[event.type](event.payload, contact)
    if (event.type == "tasking_item.completed"
            and event.payload.get("source_type") == "ward_priority"):
        return priority_action_context(event.payload, contact)
    if event.type.startswith("referral."):
        return referral_context(event.payload, contact)
    if event.type == "case_review.published":
        return case_review_context(event.payload, contact)
    return tasking_context(event.payload, contact)
