"""Realistic inputs for tests and the benchmark."""
import random

FAMILY_NAMES = ("O'Neil", "Okafor", "Nguyễn", "Kowalska", "Da Silva", "Smith-Jones",
                "Müller", "Ахмедов", "Chen", "Mahmoud", "Ó Briain", "Patel")
GIVEN_NAMES = ("Zoë", "Jamal", "Mohammed", "Aisha", "Liam", "Seán", "Oluwaseun", "Мария",
               "Wei", "Chloé", "Kwame", "Priya")
SUMMARIES = (
    "Seen late at night with older males near the estate garages; school reports absences.",
    "Repeated noise and intimidation of neighbours reported by the housing officer.",
    "Lives alone, missed medication, visitors suspected of taking money.",
    "Recently released on licence, missed two appointments this month.",
)


def referral_payload(rng=None, **overrides):
    rng = rng or random.Random()
    payload = {
        "category": rng.choice(("youth_at_risk", "asb", "vulnerable_adult",
                                "offender_management")),
        "risk_level": rng.choice(("standard", "medium", "high")),
        "ward": rng.choice(("dalston", "hackney-central", "homerton", "clissold")),
        "subject": {
            "given_name": rng.choice(GIVEN_NAMES),
            "family_name": rng.choice(FAMILY_NAMES),
            "date_of_birth": f"{rng.randint(1950, 2012)}-{rng.randint(1, 12):02d}-"
                             f"{rng.randint(1, 28):02d}",
        },
        "summary": rng.choice(SUMMARIES),
        "lawful_basis": "crime_and_disorder_act_s115",
    }
    payload.update(overrides)
    return payload


def sharing_agreement_payload(**overrides):
    """An agreement in force between every agency, for every category and basis: what the
    demo borough's overarching protocol provides."""
    from shared.contracts.referrals import LAWFUL_BASES
    from shared.events.referrals import CATEGORIES
    from shared.vocabulary import AGENCIES
    return {"title": "Partnership protocol", "parties": list(AGENCIES),
            "categories": list(CATEGORIES), "lawful_bases": list(LAWFUL_BASES),
            "starts_on": "2026-01-01", "review_by": "2027-12-31", **overrides}


def delivered(type, version, payload):
    """An event as a consumer gets it off the bus: `payload` (its example's JSON form)
    checked by its contract, with its dates parsed."""
    from shared.events import Event, deserialize, serialize
    from shared.events.registry import contract_for

    loaded = contract_for(type, version).schema().load(payload)
    return deserialize(serialize(Event(type, version, loaded)))
