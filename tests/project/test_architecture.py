"""The architecture's arrows (docs/architecture.md): import-linter's contracts in pyproject.toml hold, and a forbidden
import does break them, so that CI (make lint) fails on the commit that adds one."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=where, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def copy_of_the_project(tmp_path):
    shutil.copytree(ROOT / "registry", tmp_path / "registry", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden_import", "contract"),
    [
        ("registry/qualification/models.py", "from registry.qualification.services import dossiers", "models import"),
        ("registry/certificates/services.py", "from registry.agency import certificates", "never imports a face"),
        ("registry/public/selectors.py", "from registry.public.views import pages", "nothing imports a view"),
        ("registry/core/storage.py", "from registry.qualification import workflow", "core knows no domain"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(copy_of_the_project, module, forbidden_import, contract):
    target = copy_of_the_project / module
    target.write_text(target.read_text() + f"\n{forbidden_import}  # noqa: E402, F401\n")
    result = lint_imports(copy_of_the_project)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts")[-1]
    assert contract in broken
