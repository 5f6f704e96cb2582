"""Alembic, once for every service: each service's `migrations/` holds only its own
revisions and a three-line env.py that calls `run_env` with its metadata."""
import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

import services
from shared.db import UtcDateTime, ensure_schema, make_engine


def alembic_config(service_name, url):
    config = AlembicConfig()
    config.set_main_option(
        "script_location", str(Path(services.__file__).parent / service_name / "migrations"))
    config.attributes.update(url=url, service_name=service_name)
    return config


def upgrade(service_name, url):
    """Bring the service's own schema (or SQLite file) to the newest revision."""
    ensure_schema(url, service_name)
    command.upgrade(alembic_config(service_name, url), "head")


def upgrade_as_owner(service_name, admin_url, service_urls):
    """As the owner (`WARDLINE_DATABASE_ADMIN_URL`): the schema to the newest revision, its
    objects owned by the owner, then the service's own role granted its schema alone
    (shared/roles.py). Returns what was granted, to print."""
    from shared import roles

    upgrade(service_name, admin_url)
    metadata = importlib.import_module(f"services.{service_name}.orm").metadata
    return roles.grant(admin_url, service_name, metadata, service_urls)


def new_revision(service_name, url, message):
    """Autogenerate a revision from the difference between orm.py and the database."""
    upgrade(service_name, url)
    importlib.import_module(f"services.{service_name}.orm")
    command.revision(alembic_config(service_name, url), message=message, autogenerate=True)


def run_env(metadata):
    """The body of every service's migrations/env.py (online mode only)."""
    from alembic import context

    url = context.config.attributes["url"]
    service_name = context.config.attributes["service_name"]
    engine = make_engine(url, service_name, pool_size=1)
    with engine.connect() as connection:
        # The connection's search_path is the service's schema alone, so autogenerate
        # never sees, let alone proposes to drop, another service's tables.
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=url.startswith("sqlite"), compare_type=True,
                          render_item=_render_item)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def _render_item(type_, obj, _autogen_context):
    """Write UtcDateTime columns as what they are in the database, so revisions do not
    import application code that may later change."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False
