"""Single sign-on's own rules, no provider and no broker: the claim mapping
(claim_mapping.py), the ID token checks (oidc.check_id_token), and the story that keeps a
sign-in under way and finds the person's account (single_sign_on.py)."""
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import RSAKey

from services.gateway import accounts, oidc, single_sign_on
from services.gateway.claim_mapping import ClaimMapping, Placement
from services.gateway.orm import metadata
from shared.config import ConfigError, oidc_settings
from shared.db import utcnow
from shared.testing.memory import InMemoryDatabase
from shared.testing.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
ISSUER = "https://login.microsoftonline.com/00000000-aaaa-bbbb-cccc-000000000000/v2.0"
CLIENT_ID = "wardline-client"
COORDINATORS = "3f6a1c2e-0d4b-4b8e-9f1a-5c7d2e8b9a01"
SERGEANTS = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"

MAPPING = ClaimMapping.from_document({"rules": [
    {"when": {"groups": COORDINATORS}, "role": "coordinator", "agency": "police"},
    {"when": {"groups": SERGEANTS}, "role": "sergeant", "agency": "police",
     "wards": ["dalston"]},
    {"when": {"email": ["yot@example.org", "yot2@example.org"]}, "role": "partner",
     "agency": "yot"},
]})


# --- the claim mapping ----------------------------------------------------------------

def test_a_group_object_id_in_the_groups_claim_gives_its_role_agency_and_wards():
    placement = MAPPING.placement_for({"sub": "x", "groups": ["other", SERGEANTS]})
    assert placement == Placement("sergeant", "police", ("dalston",))


def test_the_first_rule_that_holds_wins():
    placement = MAPPING.placement_for({"groups": [SERGEANTS, COORDINATORS]})
    assert placement.role == "coordinator"


def test_a_condition_with_a_list_holds_for_any_of_its_values():
    assert MAPPING.placement_for({"email": "yot2@example.org"}).agency == "yot"


def test_claims_in_no_group_of_the_mapping_give_no_role():
    assert MAPPING.placement_for({"groups": ["someone-elses-group"]}) is None
    assert MAPPING.placement_for({}) is None


def test_the_shipped_example_mapping_loads_and_maps_entra_group_ids():
    example = ClaimMapping.load(ROOT / "deploy" / "oidc-mapping.example.yaml")
    assert example.rules and all(rule.placement.role for rule in example.rules)


@pytest.mark.parametrize("document, named", [
    ({}, "rules"),
    ({"rules": [{"role": "coordinator"}]}, "when"),
    ({"rules": [{"when": {"groups": "g"}, "role": "chief"}]}, "role 'chief'"),
    ({"rules": [{"when": {"groups": "g"}, "role": "partner", "agency": "mi5"}]}, "mi5"),
    ({"rules": [{"when": {"groups": "g"}, "role": "pcso", "wards": "dalston"}]}, "wards"),
])
def test_a_wrong_mapping_stops_the_start_naming_the_rule(document, named):
    with pytest.raises(ConfigError, match=named):
        ClaimMapping.from_document(document)


def test_single_sign_on_is_off_without_an_issuer_and_refused_half_configured():
    assert oidc_settings({}) == {}
    with pytest.raises(ConfigError, match="WARDLINE_OIDC_CLIENT_SECRET"):
        oidc_settings({"WARDLINE_OIDC_ISSUER": ISSUER, "WARDLINE_OIDC_CLIENT_ID": "c",
                       "WARDLINE_OIDC_MAPPING": "m.yaml"})
    settings = oidc_settings({"WARDLINE_OIDC_ISSUER": ISSUER + "/", "WARDLINE_OIDC_CLIENT_ID":
                              "c", "WARDLINE_OIDC_CLIENT_SECRET": "s",
                              "WARDLINE_OIDC_MAPPING": "m.yaml"})
    assert settings["issuer"] == ISSUER and settings["create_accounts"] is False


# --- the ID token ---------------------------------------------------------------------

PROVIDER_KEY = RSAKey.generate_key(2048, parameters={"kid": "provider-1"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "provider-1"})
KEYS = {"keys": [PROVIDER_KEY.as_dict(private=False)]}


def id_token(key=PROVIDER_KEY, **changes):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT_ID, "sub": "entra-subject-1", "iat": now,
              "exp": now + 300, "nonce": "the-nonce", **changes}
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode({"alg": "RS256", "kid": "provider-1"}, claims, key)


def check(token, nonce="the-nonce"):
    return oidc.check_id_token(token, KEYS, ISSUER, CLIENT_ID, nonce)


def test_a_token_signed_with_the_providers_key_for_this_sign_in_gives_its_claims():
    assert check(id_token(groups=[COORDINATORS]))["groups"] == [COORDINATORS]


def test_a_token_signed_with_another_key_is_refused():
    with pytest.raises(oidc.BadIdToken, match="not signed with its keys"):
        check(id_token(key=OTHER_KEY))


def test_a_tampered_token_is_refused():
    header, payload, signature = id_token().split(".")
    forged = id_token(sub="someone-else").split(".")[1]
    with pytest.raises(oidc.BadIdToken):
        check(".".join([header, forged, signature]))


@pytest.mark.parametrize("changes, nonce, claim", [
    ({}, "another-nonce", "nonce"),
    ({"nonce": None}, "the-nonce", "nonce"),
    ({"iss": "https://evil.example/v2.0"}, "the-nonce", "iss"),
    ({"aud": "another-client"}, "the-nonce", "aud"),
    ({"exp": int(time.time()) - 3600}, "the-nonce", "exp"),
])
def test_a_token_for_another_sign_in_issuer_client_or_time_is_refused(changes, nonce, claim):
    with pytest.raises(oidc.BadIdToken) as refused:
        check(id_token(**changes), nonce=nonce)
    assert claim in refused.value.message


# --- the sign-in under way ------------------------------------------------------------

@pytest.fixture
def db():
    return InMemoryDatabase(metadata)


def begun(db, address="#/referrals/WL-R-2026-000123"):
    with db.unit_of_work() as uow:
        return single_sign_on.begin(uow.session, address)


def take(db, state, browser, now=None):
    with db.unit_of_work() as uow:
        return single_sign_on.take(uow.session, state, browser, now)


def test_a_sign_in_under_way_is_taken_once_with_what_it_was_started_with(db):
    state, nonce, verifier, browser = begun(db)
    pending = take(db, state, browser)
    assert pending == {"nonce": nonce, "code_verifier": verifier,
                       "next_address": "#/referrals/WL-R-2026-000123"}
    with pytest.raises(single_sign_on.SingleSignOnRefused, match="already used"):
        take(db, state, browser)


def test_an_unknown_expired_or_other_browsers_sign_in_is_refused(db):
    with pytest.raises(single_sign_on.SingleSignOnRefused, match="unknown"):
        take(db, "made-up", "x")
    state, _, _, browser = begun(db)
    with pytest.raises(single_sign_on.SingleSignOnRefused, match="another browser"):
        take(db, state, "someone-elses-cookie")
    state, _, _, browser = begun(db)
    with pytest.raises(single_sign_on.SingleSignOnRefused, match="too long"):
        take(db, state, browser, now=utcnow() + timedelta(minutes=11))


@pytest.mark.parametrize("asked, landed", [
    ("#/referrals/WL-R-2026-000123", "#/referrals/WL-R-2026-000123"),
    ("https://evil.example/", "#/"), ("//evil.example", "#/"), (None, "#/"),
    ("#/x\"><script>", "#/"),
])
def test_only_a_page_of_the_web_app_is_landed_on(asked, landed):
    assert single_sign_on.page_address(asked) == landed


# --- the person's account -------------------------------------------------------------

ADMIN = {"username": "admin", "role": "admin", "agency": None, "wards": []}
SERGEANT = Placement("sergeant", "police", ("dalston",))


def add(db, username="sgt.dalston", email="sam@example.org", **fields):
    with db.unit_of_work() as uow:
        accounts.open_account(uow, {"username": username, "password": "a long password!",
                                    "display_name": "Sgt Sam", "role": "sergeant",
                                    "wards": ["dalston"], "email": email, **fields},
                              ["dalston"], ADMIN)


def account_for(db, claims, placement=SERGEANT, create=False):
    with db.unit_of_work() as uow:
        return single_sign_on.account_for(uow, claims, ISSUER, placement, create,
                                          lambda: ["dalston"])


def test_a_pre_provisioned_account_is_found_by_email_then_by_its_subject(db):
    add(db)
    first = account_for(db, {"sub": "s-1", "email": "SAM@example.org"})
    assert first["username"] == "sgt.dalston"
    linked = next(row for row in db.rows("users") if row["username"] == "sgt.dalston")
    assert (linked["sso_issuer"], linked["sso_subject"]) == (ISSUER, "s-1")
    # Found by its subject from now on, whatever email the provider sends.
    assert account_for(db, {"sub": "s-1", "email": "new@example.org"})["username"] == \
        "sgt.dalston"
    assert [row["purpose"] for row in db.rows("audit_log")][-1].startswith("Linking")


def test_claims_that_map_to_no_role_are_refused_even_for_a_known_account(db):
    add(db)
    with pytest.raises(single_sign_on.SingleSignOnRefused, match="not given any Wardline role"):
        account_for(db, {"sub": "s-1", "email": "sam@example.org"}, placement=None)
    assert next(r for r in db.rows("users") if r["username"] == "sgt.dalston")[
        "sso_subject"] is None  # nothing half-done


def test_an_unknown_person_is_refused_unless_accounts_are_created_just_in_time(db):
    claims = {"sub": "s-9", "email": "new.pcso@example.org", "name": "New Person"}
    with pytest.raises(single_sign_on.SingleSignOnRefused, match="No Wardline account"):
        account_for(db, claims)
    assert db.rows("users") == []
    created = account_for(db, claims, create=True)
    assert (created["username"], created["role"], created["wards"], created["sso_subject"]) \
        == ("new.pcso", "sergeant", ["dalston"], "s-9")
    assert [event.type for event in db.committed_events] == ["user.saved"]


def test_a_mapping_that_cannot_make_an_account_creates_nothing(db):
    claims = {"sub": "s-9", "email": "new.pcso@example.org"}
    with pytest.raises(single_sign_on.SingleSignOnRefused, match="mapping is wrong"):
        account_for(db, claims, placement=Placement("sergeant", "police", ()), create=True)
    assert db.rows("users") == [] and db.rows("audit_log") == []


def test_a_disabled_account_is_refused(db):
    add(db)
    with db.unit_of_work() as uow:
        accounts.change_account(uow, "sgt.dalston", {"active": False}, [], ADMIN)
    with pytest.raises(single_sign_on.SingleSignOnRefused, match="disabled"):
        account_for(db, {"sub": "s-1", "email": "sam@example.org"})


# --- the provider, when it is away ----------------------------------------------------

def test_a_provider_that_does_not_answer_its_discovery_is_unavailable_not_a_fault():
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    provider = oidc.Provider(nobody, CLIENT_ID, "secret", "http://127.0.0.1/callback")
    with pytest.raises(oidc.ProviderUnavailable, match="did not answer"):
        provider.authorization_url("state", "nonce", "verifier" * 8)


def test_single_sign_on_is_off_when_the_gateway_has_no_issuer():
    assert single_sign_on.SingleSignOn.from_config({"OIDC": {}}) is None


def test_the_provider_is_asked_for_a_code_only_this_sign_ins_verifier_redeems():
    provider = oidc.Provider(ISSUER, CLIENT_ID, "secret", "https://wardline/callback")
    provider._metadata, provider._metadata_until = (
        {"issuer": ISSUER, "authorization_endpoint": ISSUER + "/authorize"}, float("inf"))
    verifier = "v" * 64
    asked = parse_qs(urlsplit(provider.authorization_url("st", "no", verifier)).query)
    assert asked["code_challenge"] == [create_s256_code_challenge(verifier)]
    assert (asked["code_challenge_method"], asked["nonce"], asked["state"]) == (
        ["S256"], ["no"], ["st"])
    assert asked["scope"] == ["openid profile email"]
