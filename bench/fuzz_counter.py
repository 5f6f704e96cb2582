"""A pytest plugin for `make reliability` (`-p bench.fuzz_counter`): counts, per API
operation, the examples schemathesis actually sent and those that failed a check, and
writes them as JSON to the file named by WARDLINE_FUZZ_COUNTS when the run ends.

The budget is a ceiling, not a count: hypothesis stops early on an operation whose inputs
it has exhausted (one with no parameters is called once or twice), so the report says
what ran rather than what was allowed."""
import json
import os
from collections import Counter

import schemathesis

sent, failed = Counter(), Counter()
_call_and_validate = schemathesis.Case.call_and_validate


def _counted(case, *args, **kwargs):
    # The documented operation, even when schemathesis probes it with a method the
    # document does not list (DELETE on a GET path, expecting a 405).
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    sent[operation] += 1
    try:
        return _call_and_validate(case, *args, **kwargs)
    except Exception:  # a failed check (or a transport error): the example failed
        failed[operation] += 1
        raise


def pytest_configure(config):
    schemathesis.Case.call_and_validate = _counted


def pytest_unconfigure(config):
    schemathesis.Case.call_and_validate = _call_and_validate


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("WARDLINE_FUZZ_COUNTS")
    if path:
        with open(path, "w") as out:
            json.dump({"exit_status": int(exitstatus),
                       "operations": {operation: {"examples": sent[operation],
                                                  "failed": failed[operation]}
                                      for operation in sorted(sent)}}, out, indent=2)
