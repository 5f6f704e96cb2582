"""The composition root: the one place that knows Wardline's services by name. It holds
the command line, the runner, migrations, the demo seed and borough files, and the
broker's users; `services/` and `shared/` never import it (tests/unit/test_import_rules.py)."""
