"""The wheel the Dockerfile installs carries everything a service needs at run time, and
a gateway installed from it (not from the source tree) serves every web file."""
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import requests

from wardline.services import SERVICES
from shared.testing.stack import ServiceStack
from shared.testing.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
# Every file the code reads at run time: the source tree's files that are not Python
# (READMEs are for people) and every migration.
DATA_FILES = sorted(
    p.relative_to(ROOT).as_posix() for top in ("services", "shared")
    for p in (ROOT / top).rglob("*")
    if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".py", ".pyc", ".md")
    or p.is_file() and "migrations" in p.parts and p.suffix == ".py")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """Built from a copy of the tracked files: setuptools reuses a `build/` folder left in
    the tree, which can hold files the package data no longer names."""
    source, folder = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.split("\0")
    for name in filter(None, tracked):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(source),
                    "-w", str(folder)], check=True, capture_output=True, timeout=300)
    [built] = folder.glob("wardline-*.whl")
    return built


def test_the_wheel_carries_every_services_migrations_and_templates(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for service in SERVICES:
        shipped = {p.relative_to(ROOT).as_posix()
                   for p in (ROOT / "services" / service / "migrations").rglob("*.py")}
        assert shipped and shipped <= names, f"{service}: migrations missing from the wheel"
    assert "services/gateway/web/pages/coordinator.js" in DATA_FILES
    assert "services/tasking/routing.yaml" in DATA_FILES
    missing = [name for name in DATA_FILES if name not in names]
    assert not missing, f"left out of the wheel: {missing}"


def test_a_gateway_installed_from_the_wheel_serves_every_web_file(wheel, wardline_env,
                                                                 tmp_path):
    """Installed without -e into a fresh virtual environment that sees the project's
    dependencies (a .pth line to .venv's site-packages: its editable-install hook is not
    run from there) but not the sources; run from a folder outside the tree."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig."
                                "get_paths()['purelib'])"], check=True, capture_output=True,
                               text=True).stdout.strip())
    (site / "wardline_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--quiet", "--no-deps", "--no-compile", str(wheel)], check=True,
                   capture_output=True, timeout=300)
    where = subprocess.run([python, "-c", "import services, shared; print(services.__file__,"
                            " shared.__file__)"], check=True, capture_output=True, text=True,
                           cwd=tmp_path).stdout
    assert str(ROOT) not in where and str(site) in where, where
    installed = site
    missing = [name for name in DATA_FILES if not (installed / name).is_file()]
    assert not missing, f"not installed: {missing}"

    stack = ServiceStack(wardline_env, tmp_path / "stack", python=str(python), cwd=tmp_path)
    stack.wardline("migrate")
    stack.start("gateway")
    try:
        page = wait_for(lambda: _get(stack.base_url + "/"), timeout=60)
        assert page is not None, stack.log("gateway")[-3000:]
        web = installed / "services" / "gateway" / "web"
        for path in sorted(web.rglob("*")):
            if path.suffix in (".js", ".css"):
                name = path.relative_to(web).as_posix()
                answer = requests.get(f"{stack.base_url}/static/{name}", timeout=10)
                assert answer.status_code == 200, name
                assert answer.content == (ROOT / "services/gateway/web" / name).read_bytes()
        assert requests.get(stack.base_url + "/static/pages/coordinator.js",
                            timeout=10).status_code == 200
    finally:
        stack.stop()


def _get(url):
    try:
        return requests.get(url, timeout=3)
    except requests.ConnectionError:
        return None
