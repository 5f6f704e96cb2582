"""The claim mapping: which role, agency and wards a person signing in through the
partnership's identity provider is given, from the claims (or groups) in their ID token.

The mapping is a YAML file an operator writes (`WARDLINE_OIDC_MAPPING`; an example with
Entra ID group object ids is `deploy/oidc-mapping.example.yaml`): a list of rules, the
first whose every condition holds wins. A condition names a claim and a value; a claim
that is a list (Entra ID's `groups`) holds when the value is one of its items, and a
condition whose value is a list holds when any of them does. No rule holding means no
role, and the sign-in is refused: taking someone out of the group takes their access."""
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from shared.config import ConfigError
from shared.vocabulary import AGENCIES, ROLES


@dataclass(frozen=True)
class Placement:
    """Where a person signing in stands: their role, agency and wards."""
    role: str
    agency: str = None
    wards: tuple = field(default_factory=tuple)


@dataclass(frozen=True)
class Rule:
    when: dict
    placement: Placement

    def holds_for(self, claims):
        return all(_holds(claims.get(claim), wanted) for claim, wanted in self.when.items())


def _holds(present, wanted):
    """Whether a claim's value (`present`, a string, a list, or missing) meets a
    condition's (`wanted`, one value or a list of values any of which will do)."""
    wanted = wanted if isinstance(wanted, list) else [wanted]
    present = present if isinstance(present, list) else [present]
    return any(str(value) in {str(item) for item in present if item is not None}
               for value in wanted)


class ClaimMapping:
    """The operator's rules, checked once when the gateway starts."""

    def __init__(self, rules):
        self.rules = tuple(rules)

    @classmethod
    def load(cls, path):
        """The mapping in the YAML file at `path`; ConfigError naming the rule at fault."""
        try:
            document = yaml.safe_load(Path(path).read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"WARDLINE_OIDC_MAPPING {path}: cannot be read ({exc}).") from exc
        return cls.from_document(document, source=str(path))

    @classmethod
    def from_document(cls, document, source="the mapping"):
        rules = document.get("rules") if isinstance(document, dict) else None
        if not isinstance(rules, list) or not rules:
            raise ConfigError(f"{source}: `rules` must be a list of at least one rule.")
        return cls(_rule(entry, f"{source}, rule {number}")
                   for number, entry in enumerate(rules, 1))

    def placement_for(self, claims):
        """The Placement of the first rule that holds for `claims`, or None (no role)."""
        return next((rule.placement for rule in self.rules if rule.holds_for(claims)), None)


def _rule(entry, where):
    """One rule of the file, its role and agency checked against the vocabulary."""
    if not isinstance(entry, dict) or not isinstance(entry.get("when"), dict) \
            or not entry["when"]:
        raise ConfigError(f"{where}: needs `when`, the claims it matches ({{groups: <id>}}).")
    role, agency, wards = entry.get("role"), entry.get("agency"), entry.get("wards") or []
    if role not in ROLES:
        raise ConfigError(f"{where}: role {role!r} is not one of {', '.join(ROLES)}.")
    if agency is not None and agency not in AGENCIES:
        raise ConfigError(f"{where}: agency {agency!r} is not one of {', '.join(AGENCIES)}.")
    if not isinstance(wards, list) or not all(isinstance(w, str) for w in wards):
        raise ConfigError(f"{where}: wards must be a list of ward codes.")
    return Rule(dict(entry["when"]), Placement(role, agency, tuple(wards)))
