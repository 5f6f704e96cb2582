"""Alembic, once for every service: each service's `migrations/` holds only its own
revisions and a three-line env.py that calls `shared.migrations.run_env` with its metadata."""
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

import services
from shared.db import ensure_schema
from wardline.services import orm_metadata


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
    return roles.grant(admin_url, service_name, orm_metadata(service_name), service_urls)


def new_revision(service_name, url, message):
    """Autogenerate a revision from the difference between orm.py and the database."""
    upgrade(service_name, url)
    orm_metadata(service_name)  # the tables autogenerate compares with
    command.revision(alembic_config(service_name, url), message=message, autogenerate=True)
