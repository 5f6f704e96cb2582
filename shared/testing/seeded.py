"""Migrated and seeded databases, made once per test run and copied for each stack.

Every test module's stack starts from the same state: every service's schema at its
newest migration and the demo borough seeded. Making it with `wardline migrate` and
`wardline demo seed`, two processes of their own, took some ten seconds a module; copying
a database that already holds it (`CREATE DATABASE ... TEMPLATE`, a file copy inside
PostgreSQL) takes a fraction of one. The first stack of a run still makes it the real way,
through the same commands, so the migrations and the seed stay exercised every run."""
import sys
from urllib.parse import urlsplit

from shared.config import setting
from shared.testing import infra


class SeededDatabases:
    """One template database per borough (the only setting the migrations and the seed
    read, besides the database itself), on the run's PostgreSQL server."""

    def __init__(self):
        self._templates = {}  # borough -> template database name

    def serves(self, stack):
        """Whether `stack`'s database is on the run's own server, reached directly (not
        through PgBouncer, say, whose test is that the seed goes through it) and by the
        interpreter the commands would run under here."""
        return stack.python == sys.executable and _server_of(
            stack.env.get("WARDLINE_DATABASE_URL", "")) == _server_of(
                setting("WARDLINE_TEST_DATABASE_URL"))

    def fill(self, stack):
        """Replace the stack's (still unused) database with a copy of the seeded template,
        making the template first if this run has none for the stack's borough."""
        server = setting("WARDLINE_TEST_DATABASE_URL")
        name = _database_of(stack.env["WARDLINE_DATABASE_URL"])
        template = self._template_for(stack, server)
        infra.drop_database(server, name)
        infra.create_database(server, name, template=template)

    def drop_all(self):
        server = setting("WARDLINE_TEST_DATABASE_URL")
        while self._templates:
            infra.drop_database(server, self._templates.popitem()[1])

    def _template_for(self, stack, server):
        borough = stack.env.get("WARDLINE_BOROUGH", "")
        if borough not in self._templates:
            name = infra.unique_name("wardline_test_seeded")
            url = infra.create_database(server, name)
            try:
                stack.wardline("migrate", env={"WARDLINE_DATABASE_URL": url})
                stack.wardline("demo", "seed", env={"WARDLINE_DATABASE_URL": url})
            except Exception:
                infra.drop_database(server, name)
                raise
            self._templates[borough] = name
        return self._templates[borough]


def _server_of(url):
    parts = urlsplit(url)
    return (parts.hostname, parts.port or 5432)


def _database_of(url):
    return urlsplit(url).path.lstrip("/")


SEEDED = SeededDatabases()
"""The run's templates: `ServiceStack.running` copies from them; the run's end drops them."""
