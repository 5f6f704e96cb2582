"""The gateway's tables: user accounts and their sessions, the audit trail, the sign-in
throttle. Case data lives in the services that own it."""
import sqlalchemy as sa

from shared.db import UtcDateTime, plumbing_tables

metadata = sa.MetaData()
plumbing_tables(metadata)

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("username", sa.String(80), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("display_name", sa.String(120), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("agency", sa.String(60), nullable=True),
    sa.Column("wards", sa.JSON, nullable=False),
    sa.Column("email", sa.String(200), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # A disabled account cannot sign in, and its tokens are refused (sessions.py).
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    # Carried in every token as `ver`: raising it (disabled, role changed) refuses every
    # token issued before.
    sa.Column("token_version", sa.Integer, nullable=False, server_default="0"),
    # Set by an administrator's password reset: the password is good for one sign-in,
    # which must choose a new one (POST /api/auth/password) before any token is issued.
    sa.Column("password_must_change", sa.Boolean, nullable=False,
              server_default=sa.false()),
    # The OpenID Connect provider (issuer) and subject (`sub`) the account signs in as,
    # linked at its first single sign-on: found by them again even if its email changes.
    sa.Column("sso_issuer", sa.String(300), nullable=True),
    sa.Column("sso_subject", sa.String(255), nullable=True),
    sa.UniqueConstraint("sso_issuer", "sso_subject", name="uq_users_sso_identity"),
)

sso_sign_ins = sa.Table(
    "sso_sign_ins", metadata,
    # A sign-in sent to the identity provider and not yet back: what the callback checks
    # the provider's answer against. Deleted when the person comes back (used once);
    # never accepted after expires_at. The browser that started it holds a cookie whose
    # SHA-256 is browser_hash, so a link with someone else's state is refused.
    sa.Column("state", sa.String(64), primary_key=True),
    sa.Column("browser_hash", sa.String(64), nullable=False),
    sa.Column("nonce", sa.String(64), nullable=False),
    sa.Column("code_verifier", sa.String(128), nullable=False),
    sa.Column("next_address", sa.String(300), nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
)

second_factors = sa.Table(
    "second_factors", metadata,
    # One per account that has started enrolling a TOTP second factor; it counts at
    # sign-in only once confirmed (confirmed_at) with a first code.
    sa.Column("username", sa.String(80), primary_key=True),
    # The TOTP secret, encrypted (Fernet, WARDLINE_TOTP_KEY): never answered again once
    # enrolment is confirmed.
    sa.Column("secret_encrypted", sa.String(300), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("confirmed_at", UtcDateTime, nullable=True),
    # The last time-step (30 s) signed in with: a code of it or an earlier one is refused,
    # so that each code is good once.
    sa.Column("last_step", sa.BigInteger, nullable=True),
)

recovery_codes = sa.Table(
    "recovery_codes", metadata,
    # One-time codes for a lost phone, shown once at enrolment: only their SHA-256 kept.
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(80), nullable=False),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("used_at", UtcDateTime, nullable=True),
    sa.Index("ix_recovery_codes_username", "username"),
)

sessions = sa.Table(
    "sessions", metadata,
    # One per sign-in: its id is the token's `sid`, checked on every request; signing out
    # sets revoked_at. It is renewed (refresh token) until expires_at; rows past it serve
    # nobody and may be deleted.
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("username", sa.String(80), nullable=False),
    sa.Column("issued_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
    # The refresh token's SHA-256 (the token itself is only ever in the person's HttpOnly
    # cookie); each use replaces it, and a replaced one presented again revokes the session.
    sa.Column("refresh_hash", sa.String(64), nullable=True),
    # The account's token_version at sign-in: raised since (password, role, disabled),
    # the session can no longer be renewed.
    sa.Column("token_version", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_sessions_username", "username"),
)

audit_log = sa.Table(
    "audit_log", metadata,
    # Append-only: the application never updates or deletes a row; on PostgreSQL a trigger
    # refuses to (migration 'audit trail'), the service role may only insert and read it
    # (shared/roles.py), and each row is chained to the one before by hash (audit_chain.py).
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("username", sa.String(80), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("agency", sa.String(60), nullable=True),
    # DPA 2018 s.62: collection, alteration, consultation, disclosure, combination, erasure
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("record_type", sa.String(30), nullable=False),
    sa.Column("record_ids", sa.JSON, nullable=False),
    sa.Column("purpose", sa.String(300), nullable=False),  # the route's (or event's) own
    sa.Column("stated_purpose", sa.String(300), nullable=True),  # what the caller said
    sa.Column("recipient", sa.String(120), nullable=True),  # to whom, for a disclosure
    sa.Column("correlation_id", sa.String(100), nullable=True),
    sa.Column("event_id", sa.String(36), nullable=True, unique=True),
    sa.Column("prev_hash", sa.String(64), nullable=True),  # the row before's row_hash
    sa.Column("row_hash", sa.String(64), nullable=True),  # set on insert, never by a client
    sa.Index("ix_audit_log_at", "at"),
    sa.Index("ix_audit_log_user", "username", "at"),
    info={"service_role": ("SELECT", "INSERT")},
)

audit_chain_head = sa.Table(
    "audit_chain_head", metadata,
    # One row: where the chain began (rows up to `started_after` predate it) and the last
    # row linked, so that removing rows from the end of the trail is seen too.
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("started_after", sa.Integer, nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("last_id", sa.Integer, nullable=True),
    sa.Column("last_hash", sa.String(64), nullable=False),
    sa.CheckConstraint("id = 1", name="one_chain_head"),
    info={"service_role": ("SELECT",)},  # moved on only by the owner's chain trigger
)

login_attempts = sa.Table(
    "login_attempts", metadata,
    sa.Column("username", sa.String(80), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure_at", UtcDateTime, nullable=False),
    sa.Column("locked_until", UtcDateTime, nullable=True),
)
