"""The wheel the Dockerfile installs carries everything a service needs at run time."""
import subprocess
import sys
import zipfile
from pathlib import Path

from shared.config import SERVICES

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_carries_every_services_migrations_and_templates(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(ROOT),
                    "-w", str(tmp_path)], check=True, capture_output=True, timeout=300)
    [wheel] = tmp_path.glob("wardline-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for service in SERVICES:
        shipped = {p.relative_to(ROOT).as_posix()
                   for p in (ROOT / "services" / service / "migrations").rglob("*.py")}
        assert shipped and shipped <= names, f"{service}: migrations missing from the wheel"
    templates = {p.relative_to(ROOT).as_posix()
                 for p in (ROOT / "services" / "notifications" / "templates").glob("*.txt")}
    assert templates <= names
    assert "services/tasking/routing.yaml" in names
    assert "shared/boroughs/hackney.json" in names
