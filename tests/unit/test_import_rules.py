"""The house rules of imports, checked on the source itself (docs/architecture.md):

- a service never imports another service: they meet only over RPC contracts
  (`shared/contracts/`) and events (`shared/events/`);
- `shared/` never imports a service, by name or by `import_module`: it is what services
  stand on, not what stands on them;
- only the composition root, `wardline/`, knows the services by name.
"""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path):
    """Every module `path` imports, statically or through `import_module("...")` with a
    literal name, with the line it does so on."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, node.lineno
            for alias in node.names:  # `from services import tasking`
                yield f"{node.module}.{alias.name}", node.lineno
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            yield node.args[0].value, node.lineno


def _is_dynamic_import(func):
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name in ("import_module", "__import__")


def _service_of(module):
    parts = module.split(".")
    return parts[1] if parts[0] == "services" and len(parts) > 1 else None


def breaches(package_dir, allowed):
    """`(file:line, module)` for each import of a service that `allowed(file, service)`
    refuses."""
    found = []
    for path in sorted((ROOT / package_dir).rglob("*.py")):
        for module, line in imported_modules(path):
            if module == "services" or _service_of(module):
                if not allowed(path, _service_of(module)):
                    found.append((f"{path.relative_to(ROOT)}:{line}", module))
    return found


def _own_service(path):
    return path.relative_to(ROOT / "services").parts[0]


def test_no_service_imports_another_service():
    assert breaches("services", lambda path, service: service == _own_service(path)) == []


def test_the_gateway_imports_no_service():
    assert breaches("services/gateway", lambda path, service: service == "gateway") == []


def test_shared_imports_no_service():
    assert breaches("shared", lambda path, service: False) == []


def test_the_rules_see_each_kind_of_import(tmp_path):
    """The checker itself: each way of importing a service is caught."""
    sample = tmp_path / "sample.py"
    sample.write_text("import services.tasking.domain\n"
                      "from services.referrals import repository\n"
                      "from services import casereview\n"
                      "import importlib\nimportlib.import_module('services.notifications')\n"
                      "from shared import db\n")
    services = {_service_of(module) for module, _ in imported_modules(sample)} - {None}
    assert services == {"tasking", "referrals", "casereview", "notifications"}


WEB = ROOT / "services" / "gateway" / "web"
JS_IMPORT = re.compile(r'^\s*import\s[^;]*?from\s+"([^"]+)"', re.M | re.S)


def web_imports(path):
    return [(WEB / path.parent.relative_to(WEB) / target).resolve().relative_to(WEB).as_posix()
            for target in JS_IMPORT.findall(path.read_text())]


def test_role_pages_import_only_core_and_components():
    """A widget two pages share lives in web/components/, never in one role's page."""
    found = {page.name: [t for t in web_imports(page)
                         if t != "core.js" and not t.startswith("components/")]
             for page in sorted((WEB / "pages").glob("*.js"))}
    assert {name: targets for name, targets in found.items() if targets} == {}
    assert found, "no role pages found"


def test_components_import_only_core_and_other_components():
    for component in sorted((WEB / "components").glob("*.js")):
        assert all(t == "core.js" or t.startswith("components/")
                   for t in web_imports(component)), component.name
