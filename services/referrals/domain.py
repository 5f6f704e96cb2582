"""Referral rules that need no broker and no database: how names are compared, what a
referral may become, and who may see or change what."""
import re
import unicodedata
from datetime import timedelta

from shared.errors import Conflict

BOROUGH_WIDE_ROLES = frozenset({"coordinator", "analyst", "reviewer"})
WARD_ROLES = frozenset({"sergeant"})
PRIORITY_SETTERS = frozenset({"panel", "sergeant"})
PRIORITY_REVIEW_AFTER = timedelta(weeks=6)

TRIAGE_OUTCOMES = {"accept": "accepted", "redirect": "redirected",
                   "no_further_action": "no_further_action"}
CLOSABLE = frozenset({"accepted", "redirected", "no_further_action"})


def normalise_name(name):
    """The form two spellings of one name share: case, accents, punctuation and spacing
    removed ("Zoë O'Neil-Smith" and "zoe oneil smith" agree). Non-Latin scripts are kept."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", "", without_marks)


def subject_match_key(given_name, family_name, date_of_birth):
    """Exact-match key: normalised full name and birth date. Two people who share a name
    but not a birth date get different keys, so they are never merged here."""
    dob = date_of_birth.isoformat() if date_of_birth else "unknown"
    return f"{normalise_name(family_name)}|{normalise_name(given_name)}|{dob}"


def status_after_triage(current, decision):
    """Triage happens once, to a received referral; anything else is a conflict."""
    if current != "received":
        raise Conflict(f"This referral was already triaged (it is {current}).",
                       {"status": [current]})
    return TRIAGE_OUTCOMES[decision]


def check_closable(current):
    if current not in CLOSABLE:
        raise Conflict(f"A {current} referral cannot be closed: triage it first"
                       if current == "received" else f"This referral is already {current}.",
                       {"status": [current]})


def referral_audience(actor, referral, disclosed_to=()):
    """Who the caller is to this referral, as `shared.need_to_know` names audiences, or
    None when they may not read it. Need to know (docs/need-to-know.md): the coordinator,
    the BIU and reviewers see the borough; a sergeant the referrals in their wards; a PCSO
    the referrals they made; a partner their own agency's referrals (as the referrer) and
    those redirected to their agency or on which it owns, or has owned, an action (as the
    owning agency). Admins and panels see no case data."""
    role = actor["role"]
    if role in ("coordinator", "reviewer"):
        return role
    if role == "analyst":
        return "police"
    if role in WARD_ROLES:
        return "police" if referral["ward"] in (actor.get("wards") or []) else None
    if role == "pcso":
        return "police" if referral["referred_by"] == actor["username"] else None
    if role == "partner":
        agency = actor.get("agency")
        if actor["username"] == referral["referred_by"] or \
                (agency and agency == referral["referring_agency"]):
            return "referrer"
        if agency and (agency == referral.get("redirect_to_agency") or agency in disclosed_to):
            return "owning_agency"
    return None


def may_read_referral(actor, referral, disclosed_to=()):
    return referral_audience(actor, referral, disclosed_to) is not None


def referral_scope(actor):
    """The same rule as a query filter: (column, allowed values) pairs any of which admits
    a referral, or None for the whole borough. `disclosed_to` admits the referrals
    disclosed to those agencies."""
    role = actor["role"]
    if role in BOROUGH_WIDE_ROLES:
        return None
    if role in WARD_ROLES:
        return [("ward", list(actor.get("wards") or []))]
    if role == "partner":
        return [("referring_agency", [actor.get("agency")]),
                ("referred_by", [actor["username"]]),
                ("redirect_to_agency", [actor.get("agency")]),
                ("disclosed_to", [actor.get("agency")])]
    if role == "pcso":
        return [("referred_by", [actor["username"]])]
    return []  # nothing


def check_conditions_acknowledged(referral, acknowledged):
    """A code C referral goes to another agency only with its handling conditions
    acknowledged by whoever sends it (3x5x2: "sharing permitted with conditions")."""
    if referral["handling_code"] == "C" and not acknowledged:
        raise Conflict("This referral has handling code C: acknowledge its conditions "
                       f"(\"{referral.get('handling_conditions') or ''}\") before it goes to "
                       "another agency.", {"handling_conditions_acknowledged": [
                           "Must be true for a code C referral."]})


def may_submit_referral(actor):
    return actor["role"] in {"partner", "coordinator", "sergeant", "pcso"}


def may_set_ward_priority(actor, ward):
    """A ward panel chair or the ward's sergeant, for their own ward only."""
    return actor["role"] in PRIORITY_SETTERS and ward in (actor.get("wards") or [])


REVIEWABLE_PRIORITY_STATUSES = ("active", "due_for_review")


def default_review_date(today):
    return today + PRIORITY_REVIEW_AFTER


def check_review_date(review_by, today):
    if review_by <= today:
        return "Must be after today."
    if review_by > today + timedelta(days=366):
        return "Must be within a year: priorities are reviewed at least yearly."
    return None


AGREEMENT_REVIEW_WARNING = timedelta(days=30)
AGREEMENT_KEEPERS = frozenset({"admin", "coordinator"})


def agreement_status(agreement, today):
    """An agreement is in force from its start date until its end date, if it has one.
    One past its review date stays in force (the parties have not ended it) but is
    flagged as overdue for review."""
    if agreement["starts_on"] > today:
        return "not_started"
    if agreement["ends_on"] is not None and agreement["ends_on"] < today:
        return "ended"
    return "in_force"


def agreement_flags(agreement, today):
    return {"status": agreement_status(agreement, today),
            "review_due": today <= agreement["review_by"] <= today + AGREEMENT_REVIEW_WARNING,
            "review_overdue": agreement["review_by"] < today}


def agreement_covers(agreement, referral, to_agency, today):
    """Whether `agreement` lets the referring agency's referral reach `to_agency`."""
    return (agreement_status(agreement, today) == "in_force"
            and referral["referring_agency"] in agreement["parties"]
            and to_agency in agreement["parties"]
            and referral["category"] in agreement["categories"]
            and referral["lawful_basis"] in agreement["lawful_bases"])


def missing_agreement(referral, to_agency):
    """What is missing, in words a coordinator can act on."""
    return (f"No information sharing agreement in force between "
            f"{referral['referring_agency']} and {to_agency} covers "
            f"{referral['category']} referrals on the lawful basis "
            f"{referral['lawful_basis']}: record one under Sharing agreements first.")
