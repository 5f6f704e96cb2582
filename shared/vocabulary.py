"""Wardline's vocabulary: every code people choose or read, once, with the label a person
reads in its place. Contracts and events validate with these codes, `GET /api/vocabulary`
serves them to the web pages, and a context's own wording (an email's phrase, an agenda's
title, a chronology line) keys off them, checked by tests/unit/test_vocabulary.py, which
fails when a code lacks its wording anywhere. To add a code, see docs/recipes.md.

A code, once published, keeps its meaning: it is stored in records and carried in events.
"""
from types import MappingProxyType


def _terms(*pairs):
    return MappingProxyType(dict(pairs))


ROLE_LABELS = _terms(
    ("partner", "Partner agency staff"), ("panel", "Ward panel chair"),
    ("coordinator", "Tasking coordinator"), ("sergeant", "Safer Neighbourhoods sergeant"),
    ("pcso", "PCSO"), ("analyst", "BIU analyst"), ("reviewer", "Case reviewer"),
    ("dpo", "Data protection officer"), ("admin", "Administrator"))

AGENCY_LABELS = _terms(
    ("police", "Police"), ("la-community-safety", "Local authority community safety"),
    ("yot", "Youth Offending Team"), ("probation", "Probation"), ("health", "Health"),
    ("education", "Education"), ("fire", "Fire brigade"), ("youth-services", "Youth services"),
    ("housing", "Housing"))

CATEGORY_LABELS = _terms(
    ("youth_at_risk", "Young person at risk"), ("asb", "Anti-social behaviour"),
    ("vulnerable_adult", "Vulnerable adult"), ("offender_management", "Offender management"),
    ("domestic_abuse", "Domestic abuse"), ("exploitation", "Exploitation"), ("other", "Other"))

RISK_LEVEL_LABELS = _terms(("standard", "Standard"), ("medium", "Medium"), ("high", "High"))

LAWFUL_BASIS_LABELS = _terms(
    ("crime_and_disorder_act_s115", "Crime and Disorder Act 1998, s.115"),
    ("safeguarding_children", "Safeguarding children"),
    ("safeguarding_adults", "Safeguarding adults"), ("consent", "Consent"),
    ("public_task", "Public task"), ("vital_interests", "Vital interests"),
    ("legal_obligation", "Legal obligation"))

HANDLING_CODE_LABELS = _terms(
    ("P", "Lawful sharing permitted"), ("C", "Lawful sharing permitted with conditions"))

SOURCE_EVALUATION_LABELS = _terms(("1", "Reliable"), ("2", "Untested"), ("3", "Not reliable"))

INTELLIGENCE_ASSESSMENT_LABELS = _terms(
    ("A", "Known directly to the source"), ("B", "Known indirectly but corroborated"),
    ("C", "Known indirectly"), ("D", "Not known"), ("E", "Suspected to be false"))

FEEDBACK_USAGE_LABELS = _terms(
    ("supported_enforcement", "Supported enforcement action"),
    ("supported_warrant_application", "Supported a warrant application"),
    ("informed_tasking", "Informed tasking"), ("shared_with_partner", "Shared with a partner agency"),
    ("corroborated_other_intelligence", "Corroborated other intelligence"),
    ("filed_for_reference", "Filed for reference"), ("not_used", "Not used this time"))

REVIEW_STAGE_LABELS = _terms(
    ("suggested", "Suggested"), ("declined", "Declined"), ("open", "Open"),
    ("gathering", "Gathering information"), ("panel", "At panel"), ("published", "Published"))

ENTRY_KIND_LABELS = _terms(
    ("referral", "Referral"), ("triage", "Triage decision"), ("tasking_item", "Action raised"),
    ("update", "Action update"), ("overdue", "Overdue"), ("pcso_task", "PCSO task"),
    ("intelligence_report", "Intelligence report"), ("feedback", "Feedback"))
"""The kinds of entry in a person's chronology (case review's timeline)."""

VOCABULARY = MappingProxyType({
    "roles": ROLE_LABELS,
    "agencies": AGENCY_LABELS,
    "categories": CATEGORY_LABELS,
    "risk_levels": RISK_LEVEL_LABELS,
    "lawful_bases": LAWFUL_BASIS_LABELS,
    "handling_codes": HANDLING_CODE_LABELS,
    "source_evaluations": SOURCE_EVALUATION_LABELS,
    "intelligence_assessments": INTELLIGENCE_ASSESSMENT_LABELS,
    "feedback_usages": FEEDBACK_USAGE_LABELS,
    "review_stages": REVIEW_STAGE_LABELS,
    "entry_kinds": ENTRY_KIND_LABELS,
})
"""Each list by the name `GET /api/vocabulary` serves it under, codes in display order."""

ROLES = tuple(ROLE_LABELS)
AGENCIES = tuple(AGENCY_LABELS)
CATEGORIES = tuple(CATEGORY_LABELS)
RISK_LEVELS = tuple(RISK_LEVEL_LABELS)
LAWFUL_BASES = tuple(LAWFUL_BASIS_LABELS)
HANDLING_CODES = tuple(HANDLING_CODE_LABELS)
FEEDBACK_USAGES = tuple(FEEDBACK_USAGE_LABELS)
REVIEW_STAGES = tuple(REVIEW_STAGE_LABELS)
ENTRY_KINDS = tuple(ENTRY_KIND_LABELS)


def as_json():
    """The vocabulary as `GET /api/vocabulary` answers it: each list as
    `[{code, label}]`, in display order."""
    return {name: [{"code": code, "label": label} for code, label in terms.items()]
            for name, terms in VOCABULARY.items()}
