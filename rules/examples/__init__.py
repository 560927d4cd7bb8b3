"""Worked examples shipped as data (``../shared/domain/example-ehr.md``): answer sets and expected results.

The demo loader and the golden tests read them from here, so they work from a fresh clone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

EXAMPLES_DIR: Final = Path(__file__).resolve().parent


def example_names() -> list[str]:
    """Return the names of the shipped examples."""
    return sorted(p.stem for p in EXAMPLES_DIR.glob("*.json"))


def load_example(name: str = "framtida_vis") -> dict[str, Any]:
    """Return an example: ``{"case": {...}, "alternatives": [{"key", ..., "modules": [...]}]}``."""
    path = EXAMPLES_DIR / f"{name}.json"
    if not path.is_file():
        raise KeyError(name)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def example_modules(name: str = "framtida_vis") -> list[dict[str, Any]]:
    """Return every assessed module of an example (A, B, C, D1-D3) with answers and expected result."""
    return [module for alt in load_example(name)["alternatives"] for module in alt["modules"]]
