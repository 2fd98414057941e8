"""The wheel ships the data: build it, install it in a fresh virtual environment outside the source tree, and use it
there (loaders and command line)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from aigov_timeline.metadata import TABLES, pandas_dtype
from conftest import PROCESSED, REPO


def run(cmd, cwd, env=None):
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900, env=env)
    assert result.returncode == 0, f"{cmd}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "build", "--wheel", "--outdir", str(root / "dist"), str(REPO)], cwd=root)
    wheel = next((root / "dist").glob("aigov_timeline-*.whl"))
    venv.create(root / "venv", with_pip=True)
    python = root / "venv" / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], cwd=root, env=env)
    return root, python, env


def test_wheel_contains_every_processed_file(installed):
    import zipfile

    root, _, _ = installed
    wheel = next((root / "dist").glob("aigov_timeline-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in PROCESSED.iterdir():
        assert f"aigov_timeline/_processed/{path.name}" in names


def test_installed_package_loads_every_table_with_declared_dtypes(installed):
    root, python, env = installed
    code = ("import json, aigov_timeline as agt; t = agt.load_all(); agt.verify(); "
            "print(json.dumps({'dir': str(agt.data_dir()), 'dtypes': {n: {c: str(d) for c, d in f.dtypes.items()} "
            "for n, f in t.items()}, 'rows': {n: len(f) for n, f in t.items()}}))")
    out = json.loads(run([str(python), "-c", code], cwd=root, env=env))
    assert "site-packages" in out["dir"] and str(REPO) not in out["dir"]
    manifest = json.loads((PROCESSED / "manifest.json").read_text())
    assert out["rows"] == {name: entry["rows"] for name, entry in manifest["tables"].items()}
    for name, table in TABLES.items():
        assert out["dtypes"][name] == {c.name: pandas_dtype(c) for c in table.columns}


def test_installed_command_line_works(installed):
    root, python, env = installed
    script = Path(python).parent / "aigov-timeline"
    info = run([str(script), "info"], cwd=root, env=env)
    assert "site-packages" in info and "events" in info
    assert "valid: processed tables" in run([str(script), "validate"], cwd=root, env=env)


def test_installed_build_outside_a_clone_says_what_it_needs(installed):
    root, python, env = installed
    script = Path(python).parent / "aigov-timeline"
    result = subprocess.run([str(script), "build"], cwd=root, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert "no raw folder at data/raw" in result.stderr and "clone" in result.stderr


def test_the_wheel_ships_every_module_of_the_package(installed):
    import zipfile

    root, _, _ = installed
    wheel = next((root / "dist").glob("aigov_timeline-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {str(p.relative_to(REPO)) for p in (REPO / "aigov_timeline").rglob("*.py")}
    assert modules <= names, sorted(modules - names)
