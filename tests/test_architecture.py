"""The layers' direction is a check, not a hope: import-linter's contracts from pyproject.toml."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path


def test_import_contracts_hold():
    root = Path(__file__).parent.parent
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([lint], cwd=root, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    declared = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert f"Contracts: {len(declared['contracts'])} kept, 0 broken" in result.stdout
