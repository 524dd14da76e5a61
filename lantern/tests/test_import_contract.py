"""The import contract (.importlinter) holds, and it cannot be skipped by a new app.

`make test` runs `lint-imports` on the real tree; these tests run it on a copy of the tree so
they can show what the contract refuses without touching the source.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import lantern

ROOT = Path(lantern.__file__).resolve().parent.parent
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _copy_of_the_tree(tmp_path: Path) -> Path:
    shutil.copytree(
        Path(lantern.__file__).parent,
        tmp_path / "lantern",
        ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "locale", "*.json"),
    )
    return tmp_path / "lantern"


def _lint(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(  # noqa: S603
        [str(LINT_IMPORTS), str(CONFIG), "--no-cache"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return _copy_of_the_tree(tmp_path)


def test_the_copied_tree_keeps_the_contract(tree, tmp_path):
    result = _lint(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_a_new_app_not_named_in_the_contract_breaks_it(tree, tmp_path):
    app = tree / "newdomain"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "services.py").write_text("from lantern.core import crypto  # noqa: F401\n")
    result = _lint(tmp_path)
    assert result.returncode == 1
    assert "lantern.newdomain" in result.stdout


def test_a_lower_layer_importing_a_higher_one_breaks_it(tree, tmp_path):
    (tree / "core" / "upward.py").write_text("from lantern.referrals import models  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode == 1
    assert "lantern.core is not allowed to import lantern.referrals" in result.stdout
