import pytest

from shared.testing.stack import ServiceStack


@pytest.fixture(scope="module")
def stack_settings():
    """`WARDLINE_*` settings a test module needs on top of its own vhost and database
    (timers shortened, say): a module overrides this fixture to change them."""
    return {}


@pytest.fixture(scope="module")
def stack(wardline_env, stack_settings, tmp_path_factory):
    """Every service as its own OS process on this module's vhost and database."""
    services = ServiceStack({**wardline_env, **stack_settings},
                            tmp_path_factory.mktemp("stack"))
    with services.running():
        yield services


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test over the stack shows what the services logged at warning or worse
    (their last lines each), beside the assertion: a 503 or a missing event can then be
    read from one CI log, without the stack's files."""
    outcome = yield
    report = outcome.get_result()
    stack = item.funcargs.get("stack") if hasattr(item, "funcargs") else None
    if report.when != "call" or not report.failed or not isinstance(stack, ServiceStack):
        return
    for name in sorted(stack.processes):
        worrying = [line for line in stack.log(name).splitlines()
                    if any(level in line for level in ('"warning"', '"error"', '"critical"',
                                                       "Traceback", "Error"))]
        if worrying:
            report.sections.append((f"{name}: last warnings and errors",
                                    "\n".join(line[:600] for line in worrying[-15:])))
