"""The partnership's registers that every service shares: roles and agency codes
(docs/api.md). They are kept, with their labels, in shared/vocabulary.py: extend them
there, and every service validates against the same list."""

from shared.vocabulary import AGENCIES, ROLES  # noqa: F401 (the registers, kept once)
