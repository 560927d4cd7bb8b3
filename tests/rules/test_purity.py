"""rules/ stays pure: the standard library, pydantic, PyYAML and itself only (no Flask, no assess)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import rules

ALLOWED_THIRD_PARTY = {"pydantic", "yaml"}
RULES_DIR = Path(rules.__file__).parent


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_rules_imports_only_stdlib_pydantic_and_yaml() -> None:
    files = sorted(RULES_DIR.rglob("*.py"))
    assert len(files) >= 8
    for path in files:
        foreign = {
            name
            for name in imported_modules(path)
            if name not in sys.stdlib_module_names and name not in ALLOWED_THIRD_PARTY and name != "rules"
        }
        assert not foreign, f"{path.relative_to(RULES_DIR.parent)} imports {sorted(foreign)}"


def test_the_walk_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import flask\nfrom assess.models import user\nfrom sqlalchemy import select\n")
    assert imported_modules(bad) == {"flask", "assess", "sqlalchemy"}
