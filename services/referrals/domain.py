"""Referral rules that need no broker and no database: how names are compared, what a
referral may become, and what each role may see."""
import re
import unicodedata

POLICE_ROLES = frozenset({"coordinator", "sergeant", "pcso", "analyst", "reviewer"})


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


def may_read_referral(actor, referring_agency):
    """Need to know: police roles and the coordinator see every referral, a partner only
    their own agency's; an administrator sees no case data."""
    if actor["role"] in POLICE_ROLES:
        return True
    if actor["role"] == "partner":
        return actor.get("agency") == referring_agency
    return False


def may_submit_referral(actor):
    return actor["role"] in {"partner", "coordinator", "sergeant", "pcso"}
