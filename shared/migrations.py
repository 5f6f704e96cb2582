"""The body of every service's Alembic env.py: each service's `migrations/` holds only its
own revisions and a three-line env.py that calls `run_env` with its metadata. Running
them (which service, which URL, as whom) is the composition root's: wardline/migrations.py."""
from shared.db import UtcDateTime, make_engine


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
