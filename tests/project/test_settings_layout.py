"""The settings package's own rules: each setting defined once, at one greppable line, never changed afterwards; one
beat schedule, naming only tasks that exist; small modules; the development tools only where they belong."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "trustedcloud" / "settings"
MODULES = sorted(PACKAGE.glob("*.py"))
# Module-level calls that would change a setting after its definition.
MUTATORS = {"append", "extend", "insert", "update", "setdefault", "pop", "remove", "clear", "add"}


def module_statements(path: Path):
    """Every statement run when the module is imported (those of its functions and classes are not)."""
    pending = list(ast.parse(path.read_text()).body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        yield node
        pending.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt))


def targets(node: ast.stmt) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return [element for target in node.targets for element in getattr(target, "elts", [target])]
    if isinstance(node, ast.AnnAssign | ast.AugAssign):
        return [node.target]
    return []


def definitions(path: Path) -> list[str]:
    return [
        target.id
        for node in module_statements(path)
        for target in targets(node)
        if isinstance(target, ast.Name) and target.id.isupper()
    ]


def test_each_setting_is_defined_once_in_the_whole_package():
    seen: dict[str, str] = {}
    for path in MODULES:
        for name in definitions(path):
            assert name not in seen, f"{name} is defined in {seen[name]} and again in {path.name}"
            seen[name] = path.name
    assert {"DEBUG", "SECRET_KEY", "CACHES", "LOGGING", "CELERY_BEAT_SCHEDULE"} <= seen.keys()


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_no_setting_is_changed_after_its_definition(path):
    for node in module_statements(path):
        assert not isinstance(node, ast.AugAssign), f"{path.name}:{node.lineno} changes a setting"
        for target in targets(node):
            assert not isinstance(target, ast.Subscript | ast.Attribute), (
                f"{path.name}:{node.lineno} changes a setting in place"
            )
        for call in ast.walk(node):
            if not isinstance(call, ast.Call):
                continue
            function = call.func
            assert not (isinstance(function, ast.Name) and function.id in {"globals", "setattr", "exec"}), (
                f"{path.name}:{call.lineno} defines settings by a name the reader cannot grep"
            )
            if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
                assert not (function.value.id.isupper() and function.attr in MUTATORS), (
                    f"{path.name}:{call.lineno} changes {function.value.id} after its definition"
                )


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_settings_modules_stay_small(path):
    assert len(path.read_text().splitlines()) < 200


def test_there_is_one_beat_schedule_and_every_task_it_names_exists():
    from trustedcloud.celery import app

    app.loader.import_default_modules()
    assert [path.name for path in MODULES if "CELERY_BEAT_SCHEDULE" in definitions(path)] == ["celery.py"]
    unknown = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} - set(app.tasks)
    assert not unknown, f"scheduled but not a registered task: {unknown}"


def installed_apps(**env) -> list[str]:
    names = {"DEBUG", "SECRET_KEY", "DEVTOOLS", "DATABASE_URL", "REDIS_URL"}
    code = "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps(s.INSTALLED_APPS))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in names}
        | {"DJANGO_SETTINGS_MODULE": "trustedcloud.settings", "SECRET_KEY": "x" * 50, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_the_development_tools_are_installed_only_in_debug_or_when_asked_for():
    assert "registry.devtools" in installed_apps(DEBUG="1")
    assert "registry.devtools" in installed_apps(DEBUG="0", DEVTOOLS="1")
    assert "registry.devtools" not in installed_apps(DEBUG="0")
