"""The one configuration loader: `WARDLINE_*` environment variables into nameko config.

Every setting is declared once in `SETTINGS`, with its default and meaning; the README's
configuration table is printed from it (`wardline config`), so the two cannot drift.
"""
import os
from dataclasses import dataclass
from pathlib import Path

from shared.vocabulary import ROLES

@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    meaning: str


SETTINGS = (
    Setting("WARDLINE_AMQP_URI", "amqp://guest:guest@localhost:5672/",
            "RabbitMQ broker every service connects to."),
    Setting("WARDLINE_BUS_PRODUCERS", "",
            "Broker login of each service, as a pattern (`wardline-{service}`, the users of "
            "`deploy/rabbitmq/definitions.json`). Set: a consumer applies an event only if "
            "its `user_id`, which RabbitMQ checks against the publishing connection's login, "
            "is the user of the service its contract names as source; any other is parked "
            "in `wardline.dlq` (`event.producer_refused`). Needs a broker user per service; "
            "empty (development, everyone on `guest`): no check."),
    Setting("WARDLINE_DATABASE_URL", "",
            "PostgreSQL server URL (`postgresql://user@host:5432/db`). Each service keeps its "
            "tables in its own schema (named after the service). Empty: one SQLite file per "
            "service under `WARDLINE_VAR_DIR`."),
    Setting("WARDLINE_DATABASE_DIRECT_URL", "",
            "A direct PostgreSQL connection, not through a pooler, for what needs a session "
            "of its own: timer leases (session advisory locks) and `wardline migrate`. Set "
            "it when `WARDLINE_DATABASE_URL` goes through PgBouncer in transaction mode; "
            "services then set their schema per transaction (`SET LOCAL search_path`), "
            "as PgBouncer refuses it at connect. Empty: `WARDLINE_DATABASE_URL` is direct "
            "and serves for both."),
    Setting("WARDLINE_<SERVICE>_DATABASE_URL", "",
            "One service's own URL (`WARDLINE_GATEWAY_DATABASE_URL`, ..._REFERRALS_..., and "
            "so on), in place of `WARDLINE_DATABASE_URL` for that service: its user is the "
            "service's own role, which `wardline migrate` creates (password from this URL) "
            "and allows its own schema only (README, Database roles). Production sets one "
            "per service. Empty: `WARDLINE_DATABASE_URL`."),
    Setting("WARDLINE_<SERVICE>_DATABASE_DIRECT_URL", "",
            "One service's own direct URL, in place of `WARDLINE_DATABASE_DIRECT_URL`, as the "
            "same role: set it beside a pooled `WARDLINE_<SERVICE>_DATABASE_URL`."),
    Setting("WARDLINE_DATABASE_ADMIN_URL", "",
            "The owner's direct PostgreSQL connection, for `wardline migrate` alone: it owns "
            "every schema and table, creates each service's role and grants it its schema "
            "(the gateway's: the audit trail INSERT and SELECT only). Give it to the "
            "migration job, never to a service. Empty: migrations connect as each service's "
            "direct URL, and the services own their tables (development only)."),
    Setting("WARDLINE_VAR_DIR", "var",
            "Folder for SQLite files, the generated development secret and run state."),
    Setting("WARDLINE_HTTP_HOST", "127.0.0.1", "Address the gateway listens on."),
    Setting("WARDLINE_HTTP_PORT", "8000", "Port the gateway listens on."),
    Setting("WARDLINE_HEALTH_PORT", "0",
            "Port of `GET /health` on every service but the gateway (which serves it on "
            "`WARDLINE_HTTP_PORT`). 0: any free port, so replicas on one machine never clash; "
            "set a fixed one (8080) in containers for probes."),
    Setting("WARDLINE_SECRET_KEY", "",
            "Key that signs access tokens. Empty: a random key is generated once and kept in "
            "`WARDLINE_VAR_DIR/secret_key` (development only; set it in production). At least 32 "
            "bytes; the sample placeholder from `deploy/` is refused at start."),
    Setting("WARDLINE_TOKEN_TTL_SECONDS", "900",
            "How long an access token stays valid; the web page renews it with the session's "
            "refresh token (`POST /api/auth/refresh`)."),
    Setting("WARDLINE_SESSION_TTL_SECONDS", "43200",
            "How long a session (one sign-in) can be renewed by its refresh token before "
            "its person signs in again."),
    Setting("WARDLINE_SESSION_KEEP_DAYS", "7",
            "Days a session (one sign-in) is kept once it has ended (signed out or past "
            "its `WARDLINE_SESSION_TTL_SECONDS`), then deleted: an ended session serves "
            "nobody. Sign-ins themselves stay in the audit trail."),
    Setting("WARDLINE_SESSION_PRUNE_SECONDS", "3600",
            "How often the gateway deletes sessions ended more than "
            "`WARDLINE_SESSION_KEEP_DAYS` ago."),
    Setting("WARDLINE_CALLER_KEY", "",
            "Key that signs the caller assertion each RPC carries (`shared/caller.py`): the "
            "gateway signs who a request is for, every service checks it and refuses a call "
            "without one. Every process needs the same key; give it its own, not "
            "`WARDLINE_SECRET_KEY`. Empty: a random key is generated once and kept in "
            "`WARDLINE_VAR_DIR/caller_key` (development only, one machine; set it in "
            "production). At least 32 bytes; the sample placeholder from `deploy/` is "
            "refused at start."),
    Setting("WARDLINE_CALLER_KEY_ACCEPTED", "",
            "Another caller key whose assertions are accepted too, but never used to sign: "
            "set while rotating `WARDLINE_CALLER_KEY`, so that processes holding the old "
            "key and the new one keep accepting each other's calls (README, Rotating the "
            "caller key). The same rules as `WARDLINE_CALLER_KEY`."),
    Setting("WARDLINE_TOTP_KEY", "",
            "Key that encrypts each account's second-factor (TOTP) secret in the gateway's "
            "database. Changing it makes every enrolled secret unreadable: those people "
            "enrol again. Empty: a random key is generated once and kept in "
            "`WARDLINE_VAR_DIR/totp_key` (development only; set it in production). At "
            "least 32 bytes; the sample placeholder from `deploy/` is refused at start."),
    Setting("WARDLINE_MFA_REQUIRED_ROLES", "admin,reviewer,analyst",
            "Roles whose people must sign in with a second factor (TOTP), comma-separated: "
            "one without it is given only a token to enrol with. `none`: nobody is made "
            "to (each may still enrol); the test stacks and the `make run` demo set "
            "`none`, so that their demo logins sign in with a password alone."),
    Setting("WARDLINE_OIDC_ISSUER", "",
            "OpenID Connect provider people may sign in with (single sign-on), as its "
            "issuer: `https://login.microsoftonline.com/<tenant-id>/v2.0` for Microsoft "
            "Entra ID. Its settings are read from `{issuer}/.well-known/openid-configuration`. "
            "The provider must send people back to `WARDLINE_PUBLIC_URL` + "
            "`/api/auth/oidc/callback`. Empty: no single sign-on, passwords only."),
    Setting("WARDLINE_OIDC_CLIENT_ID", "",
            "Wardline's client id at the provider (Entra ID: the app registration's "
            "Application (client) ID)."),
    Setting("WARDLINE_OIDC_CLIENT_SECRET", "",
            "Wardline's client secret at the provider (Entra ID: a client secret of the app "
            "registration, its Value)."),
    Setting("WARDLINE_OIDC_MAPPING", "",
            "YAML file that gives the role, agency and wards of a person signing in with "
            "single sign-on, from their claims or groups (`deploy/oidc-mapping.example.yaml`). "
            "Needed when `WARDLINE_OIDC_ISSUER` is set: a person whose claims map to no role "
            "is refused."),
    Setting("WARDLINE_OIDC_CREATE_ACCOUNTS", "",
            "`1`: a person who signs in with single sign-on and has no account yet is given "
            "one (just in time), with the role, agency and wards the mapping gives. "
            "Otherwise (the default) only accounts an admin added sign in: matched by the "
            "provider's subject once linked, else by email."),
    Setting("WARDLINE_MAX_WORKERS", "10", "Concurrent workers per service process."),
    Setting("WARDLINE_REQUEST_TIMEOUT_SECONDS", "30",
            "How long the gateway waits for a service's answer before a 504."),
    Setting("WARDLINE_DB_POOL_SIZE", "10",
            "Most PostgreSQL connections one service process opens for its work (a pool "
            "with no overflow; a worker waits up to 10 s for one, then answers 503). Each "
            "timer lease holds one more, on `WARDLINE_DATABASE_DIRECT_URL`. Budget: "
            "processes × this ≤ the pooler's `max_client_conn`, or PostgreSQL's "
            "`max_connections` without one (README, Connection budget)."),
    Setting("WARDLINE_OUTBOX_POLL_SECONDS", "2",
            "Backstop interval at which the outbox relay looks for unpublished events "
            "(events are normally published straight after their transaction commits)."),
    Setting("WARDLINE_DELIVERY_LIMIT", "10",
            "Deliveries of one event to a failing handler before it is dead-lettered. "
            "Redeliveries wait 0.25 s, 0.5 s, 1 s ... (at most 8 s), so the default rides out "
            "about 40 s of database trouble."),
    Setting("WARDLINE_PRIORITY_REVIEW_CHECK_SECONDS", "3600",
            "How often the referrals service marks ward priorities whose review date has "
            "come as due for review."),
    Setting("WARDLINE_RETENTION_CHECK_SECONDS", "3600",
            "How often the referrals service disposes of referrals whose retention schedule "
            "entry deletes automatically (no decision) once they fall due."),
    Setting("WARDLINE_SMTP_URL", "",
            "Mail server for email notifications (`smtp://127.0.0.1:1025`, "
            "`smtps://user:pass@host:465`). Empty: in-app inbox only."),
    Setting("WARDLINE_SMTP_INSECURE", "",
            "`1`: send `smtp://` mail in the clear when the server offers no STARTTLS (a "
            "local test server only). Otherwise `smtp://` upgrades with STARTTLS and "
            "`smtps://` connects with TLS, both verifying the server's certificate."),
    Setting("WARDLINE_MAIL_FROM", "Wardline <wardline@localhost>",
            "Sender of Wardline's email."),
    Setting("WARDLINE_PUBLIC_URL", "http://127.0.0.1:8000",
            "Address at which people open Wardline's web pages (the gateway, or the proxy "
            "in front of it): each email ends with the link to its record's page under it."),
    Setting("WARDLINE_EMAIL_CHECK_SECONDS", "5",
            "How often due emails (new, retried, or daily digests) are sent."),
    Setting("WARDLINE_EMAIL_MAX_ATTEMPTS", "8",
            "Attempts to send one email (backing off 2, 4, 8 ... seconds, at most an hour "
            "apart) before it is marked failed for an admin."),
    Setting("WARDLINE_DIGEST_TIME", "07:00",
            "London time at which daily digest emails go out."),
    Setting("WARDLINE_TASKING_RULES", "",
            "YAML file of tasking routing rules (owning agency and due time by category and "
            "risk). Empty: the defaults shipped in `services/tasking/routing.yaml`."),
    Setting("WARDLINE_OVERDUE_CHECK_SECONDS", "60",
            "How often the tasking service checks due dates: marks tasking items overdue "
            "(escalating them to the coordinator), expires PCSO tasks and sends intelligence "
            "service-level reminders."),
    Setting("WARDLINE_INTELLIGENCE_NOTE_DAYS", "3",
            "Days within which the BIU should formally note an intelligence report."),
    Setting("WARDLINE_INTELLIGENCE_FEEDBACK_DAYS", "14",
            "Days within which the BIU should tell the submitting team how an intelligence "
            "report was used."),
    Setting("WARDLINE_CASEREVIEW_RULES", "",
            "YAML file of missed-opportunity rules for case reviews (parameters, which rules "
            "suggest a review, the partner agencies lessons go to). Empty: the defaults "
            "shipped in `services/casereview/rules.yaml`."),
    Setting("WARDLINE_RETENTION_SCHEDULE", "",
            "YAML file of the retention schedule (how long each record kind is kept by "
            "outcome, the action when it falls due, whether a timer disposes without a "
            "decision, and the guidance each period cites). Checked when every service "
            "starts: a wrong file stops it. Empty: `shared/retention.yaml`."),
    Setting("WARDLINE_BOROUGH", "hackney",
            "Borough whose wards `wardline demo seed` loads and `wardline users add` checks against (`wardline/boroughs/NAME.json`)."),
    Setting("WARDLINE_LOG_LEVEL", "INFO", "Log level (DEBUG, INFO, WARNING, ERROR)."),
    Setting("WARDLINE_LOG_JSON", "",
            "`1`: JSON log lines even at a terminal (they are always JSON otherwise)."),
    Setting("WARDLINE_TEST_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/",
            "Tests only: broker in which each test run creates its own vhost."),
    Setting("WARDLINE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres",
            "Tests only: PostgreSQL server on which each test run creates its own database."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name, environ=None):
    """The value of one declared setting: the environment's, else its default."""
    environ = os.environ if environ is None else environ
    return environ.get(name) or _BY_NAME[name].default


def var_dir(environ=None):
    path = Path(setting("WARDLINE_VAR_DIR", environ))
    path.mkdir(parents=True, exist_ok=True)
    return path


def service_setting(name, service_name, environ=None):
    """A per-service setting (`WARDLINE_<SERVICE>_...`) for one service, else the shared
    one it stands in for (`name`)."""
    environ = os.environ if environ is None else environ
    own = name.replace("WARDLINE_", f"WARDLINE_{service_name.upper()}_", 1)
    return environ.get(own) or setting(name, environ)


def database_url(service_name, environ=None):
    """The service's own database: its PostgreSQL schema, or its own SQLite file."""
    url = service_setting("WARDLINE_DATABASE_URL", service_name, environ)
    if url:
        return url
    return f"sqlite:///{(var_dir(environ) / f'{service_name}.sqlite').resolve()}"


def database_direct_url(service_name, environ=None):
    """The service's database without a pooler in between (leases, migrations), as the
    same role as its own URL: a shared direct URL does not stand in for a service's own."""
    environ = os.environ if environ is None else environ
    own = f"WARDLINE_{service_name.upper()}_DATABASE_"
    if environ.get(own + "URL") and not environ.get(own + "DIRECT_URL"):
        return database_url(service_name, environ)
    return (service_setting("WARDLINE_DATABASE_DIRECT_URL", service_name, environ)
            or database_url(service_name, environ))


def database_admin_url(environ=None):
    """The owner's connection for migrations and roles; empty in development."""
    return setting("WARDLINE_DATABASE_ADMIN_URL", environ)


def database_pooled(service_name, environ=None):
    """Whether `WARDLINE_DATABASE_URL` goes through a transaction pooler: a direct URL
    set beside it, and other than it, says so."""
    return database_direct_url(service_name, environ) != database_url(service_name, environ)


class ConfigError(ValueError):
    """A setting that must not be used: the process refuses to start, saying which."""


def bus_producers(environ=None):
    """The pattern naming each service's broker user, or "" (no producer check)."""
    pattern = setting("WARDLINE_BUS_PRODUCERS", environ)
    if pattern and pattern.count("{service}") != 1:
        raise ConfigError("WARDLINE_BUS_PRODUCERS must contain `{service}` once "
                          "(wardline-{service}).")
    return pattern


MIN_SECRET_KEY_BYTES = 32
PLACEHOLDER_KEYS = ("change-me-to-64-random-hex-characters",)
"""Sample values from deploy/ that would otherwise sign tokens anyone can forge."""


def secret_key(environ=None):
    return _signing_key("WARDLINE_SECRET_KEY", "secret_key", environ)


def caller_key(environ=None):
    """The key of the caller assertions RPC carries (shared/caller.py)."""
    return _signing_key("WARDLINE_CALLER_KEY", "caller_key", environ)


def accepted_caller_keys(environ=None):
    """Every key a caller assertion may be signed with: the caller key, and during a
    rotation the one `WARDLINE_CALLER_KEY_ACCEPTED` names."""
    other = setting("WARDLINE_CALLER_KEY_ACCEPTED", environ)
    return [caller_key(environ)] + (
        [check_secret_key(other, "WARDLINE_CALLER_KEY_ACCEPTED")] if other else [])


def totp_key(environ=None):
    """The key that encrypts second-factor secrets (services/gateway/second_factors.py)."""
    return _signing_key("WARDLINE_TOTP_KEY", "totp_key", environ)


def mfa_required_roles(environ=None):
    """The roles that must sign in with a second factor: a tuple, empty for `none`."""
    raw = setting("WARDLINE_MFA_REQUIRED_ROLES", environ).strip()
    if raw.lower() == "none":
        return ()
    roles = tuple(role.strip() for role in raw.split(",") if role.strip())
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ConfigError(f"WARDLINE_MFA_REQUIRED_ROLES names unknown roles: "
                          f"{', '.join(unknown)} (use `none` for nobody).")
    return roles


def oidc_settings(environ=None):
    """Single sign-on's settings, {issuer, client_id, client_secret, mapping,
    create_accounts}; {} when `WARDLINE_OIDC_ISSUER` is unset (no single sign-on). A
    half-configured provider is refused at start, naming what is missing."""
    issuer = setting("WARDLINE_OIDC_ISSUER", environ).rstrip("/")
    if not issuer:
        return {}
    found = {name: setting(f"WARDLINE_OIDC_{name.upper()}", environ)
             for name in ("client_id", "client_secret", "mapping")}
    missing = [f"WARDLINE_OIDC_{name.upper()}" for name, value in found.items() if not value]
    if missing:
        raise ConfigError(f"WARDLINE_OIDC_ISSUER is set, so single sign-on needs "
                          f"{' and '.join(missing)} too.")
    return {"issuer": issuer, **found,
            "create_accounts": setting("WARDLINE_OIDC_CREATE_ACCOUNTS", environ) == "1"}


def _signing_key(name, filename, environ):
    """The setting `name`, else a development key generated once in the var dir's
    `filename`; refused if it is short or a sample placeholder."""
    key = setting(name, environ)
    if key:
        return check_secret_key(key, name)
    path = var_dir(environ) / filename
    if not path.exists():
        _write_private(path, os.urandom(32).hex())
    return check_secret_key(path.read_text().strip(), name)


def check_secret_key(key, name="WARDLINE_SECRET_KEY"):
    if key in PLACEHOLDER_KEYS or key.lower().startswith("change-me"):
        raise ConfigError(f"{name} is the sample placeholder from deploy/: set "
                          "a random key (python3 -c 'import secrets; "
                          "print(secrets.token_hex(32))').")
    if len(key.encode()) < MIN_SECRET_KEY_BYTES:
        raise ConfigError(f"{name} is {len(key.encode())} bytes; it must be at "
                          f"least {MIN_SECRET_KEY_BYTES}.")
    return key


def _write_private(path, text):
    """`text` into `path`, readable by its owner only from the first byte (created 0600,
    never world-readable for a moment) and whole or not at all (a rename), so two
    processes starting at once agree on one key."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)  # fails if another process got there first: keep its
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)


def load_config(service_name, environ=None):
    """Nameko config for one service, from `WARDLINE_*` variables."""
    env = lambda name: setting(name, environ)  # noqa: E731
    return {
        "SERVICE_NAME": service_name,
        "AMQP_URI": env("WARDLINE_AMQP_URI"),
        "BUS_PRODUCERS": bus_producers(environ),
        "max_workers": int(env("WARDLINE_MAX_WORKERS")),
        "REQUEST_TIMEOUT_SECONDS": float(env("WARDLINE_REQUEST_TIMEOUT_SECONDS")),
        "WEB_SERVER_ADDRESS": f"{env('WARDLINE_HTTP_HOST')}:" + (
            env("WARDLINE_HTTP_PORT") if service_name == "gateway"
            else env("WARDLINE_HEALTH_PORT")),
        "DATABASE_URL": database_url(service_name, environ),
        "DATABASE_DIRECT_URL": database_direct_url(service_name, environ),
        "DATABASE_POOLED": database_pooled(service_name, environ),
        "DB_POOL_SIZE": int(env("WARDLINE_DB_POOL_SIZE")),
        "OUTBOX_POLL_SECONDS": float(env("WARDLINE_OUTBOX_POLL_SECONDS")),
        "DELIVERY_LIMIT": int(env("WARDLINE_DELIVERY_LIMIT")),
        "SECRET_KEY": secret_key(environ) if service_name == "gateway" else "",
        "TOKEN_TTL_SECONDS": int(env("WARDLINE_TOKEN_TTL_SECONDS")),
        "SESSION_TTL_SECONDS": int(env("WARDLINE_SESSION_TTL_SECONDS")),
        "SESSION_KEEP_DAYS": float(env("WARDLINE_SESSION_KEEP_DAYS")),
        "SESSION_PRUNE_SECONDS": float(env("WARDLINE_SESSION_PRUNE_SECONDS")),
        "TOTP_KEY": totp_key(environ) if service_name == "gateway" else "",
        "MFA_REQUIRED_ROLES": mfa_required_roles(environ),
        "OIDC": oidc_settings(environ) if service_name == "gateway" else {},
        "CALLER_KEY": caller_key(environ),
        "CALLER_KEYS_ACCEPTED": accepted_caller_keys(environ),
        "TASKING_RULES": env("WARDLINE_TASKING_RULES"),
        "CASEREVIEW_RULES": env("WARDLINE_CASEREVIEW_RULES"),
        "RETENTION_SCHEDULE": env("WARDLINE_RETENTION_SCHEDULE"),
        "OVERDUE_CHECK_SECONDS": float(env("WARDLINE_OVERDUE_CHECK_SECONDS")),
        "INTELLIGENCE_NOTE_DAYS": float(env("WARDLINE_INTELLIGENCE_NOTE_DAYS")),
        "INTELLIGENCE_FEEDBACK_DAYS": float(env("WARDLINE_INTELLIGENCE_FEEDBACK_DAYS")),
        "PRIORITY_REVIEW_CHECK_SECONDS": float(env("WARDLINE_PRIORITY_REVIEW_CHECK_SECONDS")),
        "RETENTION_CHECK_SECONDS": float(env("WARDLINE_RETENTION_CHECK_SECONDS")),
        "SMTP_URL": env("WARDLINE_SMTP_URL"),
        "SMTP_INSECURE": env("WARDLINE_SMTP_INSECURE") == "1",
        "MAIL_FROM": env("WARDLINE_MAIL_FROM"),
        "PUBLIC_URL": env("WARDLINE_PUBLIC_URL"),
        "EMAIL_CHECK_SECONDS": float(env("WARDLINE_EMAIL_CHECK_SECONDS")),
        "EMAIL_MAX_ATTEMPTS": int(env("WARDLINE_EMAIL_MAX_ATTEMPTS")),
        "DIGEST_TIME": env("WARDLINE_DIGEST_TIME"),
        "BOROUGH": env("WARDLINE_BOROUGH"),
        "LOG_LEVEL": env("WARDLINE_LOG_LEVEL"),
    }


def settings_table():
    """The README's configuration table, in Markdown."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = f"`{s.default}`" if s.default else "(empty)"
        rows.append(f"| `{s.name}` | {default} | {s.meaning} |")
    return "\n".join(rows)
