"""The data contract, the Swedish words and the walls around the renderer room."""

# The renderer room may read the shared tables of words (assess/texts.py: plain data, no Flask) and nothing
# else of the application.

from __future__ import annotations

import ast
import dataclasses
import sys
from pathlib import Path

import pytest
from reportlab.lib.colors import Color

from assess.pdf import labels, layout
from assess.pdf.data import AREAS, AssessmentReport

from .factories import make_assessment

PDF_ROOM = Path(__file__).resolve().parents[2] / "assess" / "pdf"
ALLOWED_THIRD_PARTY = {"reportlab", "pikepdf", "PIL"}
ALLOWED_APPLICATION = {"assess.texts"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(PDF_ROOM.glob("*.py")), ids=lambda p: p.name)
def test_the_renderer_imports_only_stdlib_reportlab_and_its_own_room(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        if top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY:
            continue
        assert name.startswith("assess.pdf") or name in ALLOWED_APPLICATION, f"{path.name} imports {name}"


def test_the_shared_words_are_plain_data() -> None:
    path = PDF_ROOM.parent / "texts.py"
    for name in _imports(path):
        assert name.split(".")[0] in sys.stdlib_module_names, name


def test_the_renderer_reads_the_shared_tables_of_words() -> None:
    from assess import texts

    for table in ("VERDICT", "AREA", "AREA_RESULT", "OUTCOME", "ANSWERED_BY", "EVIDENCE", "STATUS", "GATE"):
        assert getattr(labels, table) is getattr(texts, table), table
    assert labels.OVERRIDE_KIND is texts.OVERRIDE_KIND
    assert labels.STATUS["superseded"] == "Ersatt av nyare revision"


def test_the_data_module_is_standard_library_only() -> None:
    for name in _imports(PDF_ROOM / "data.py"):
        assert name.split(".")[0] in sys.stdlib_module_names, name


def test_report_data_is_frozen() -> None:
    report = make_assessment()
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.verdict = "suitable"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("status", "draft"),
    [
        ("draft", True),
        ("submitted", True),
        ("in_review", True),
        ("changes_requested", True),
        ("reviewed", True),
        ("decided", False),
        ("superseded", False),
    ],
)
def test_only_decided_records_are_not_drafts(status: str, draft: bool) -> None:
    assert make_assessment(status=status).is_draft is draft


def test_outcome_counts_follow_the_questions() -> None:
    report: AssessmentReport = make_assessment()
    legal = report.area("legal")
    assert legal is not None
    counts = legal.outcome_counts()
    assert sum(counts.values()) == len(legal.questions)
    assert counts["KO"] == 1


@pytest.mark.parametrize(
    ("verdict", "worst", "words"),
    [
        ("suitable", "suitable", "Lämplig"),
        ("suitable_with_conditions", "suitable_with_conditions", "Lämplig med villkor"),
        ("cannot_assess", "not_suitable", "Kan ej bedömas ännu – risk för Ej lämplig"),
        ("suitable_with_conditions", "not_suitable", "Lämplig med villkor – risk för Ej lämplig"),
        ("suitable_with_conditions", "cannot_assess", "Lämplig med villkor – risk för Kan ej bedömas ännu"),
        ("not_suitable", "not_suitable", "Ej lämplig"),
    ],
)
def test_verdict_phrase(verdict: str, worst: str, words: str) -> None:
    assert labels.verdict_phrase(verdict, worst) == words


def test_every_code_has_swedish_words() -> None:
    assert set(labels.AREA) == set(AREAS)
    assert labels.EVIDENCE["E0"] == "Inget underlag"
    assert labels.EVIDENCE["E4"] == "Verifierat av regionen"
    assert labels.OUTCOME["KO"] == "Stoppträff"
    assert labels.OUTCOME["UB"] == "Blockerande okänd"
    assert labels.ANSWERED_BY == {"provider": "leverantören", "legal": "juristen", "region": "regionen"}


def test_fonts_and_their_licence_ship_with_the_package() -> None:
    fonts = PDF_ROOM / "fonts"
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSansMono.ttf"):
        assert (fonts / name).stat().st_size > 100_000
    assert "Bitstream" in (fonts / "LICENSE").read_text(encoding="utf-8")


def _luminance(colour: Color) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.red) + 0.7152 * channel(colour.green) + 0.0722 * channel(colour.blue)


def _contrast(one: Color, other: Color) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_white_words_on_every_verdict_and_outcome_colour_meet_wcag_aa() -> None:
    for colour in {*layout.VERDICT_COLOUR.values(), *layout.OUTCOME_COLOUR.values(), layout.ACCENT}:
        assert _contrast(layout.WHITE, colour) >= 4.5, colour.hexval()


def test_dark_words_on_every_tint_are_easy_to_read() -> None:
    for tint in layout.TINT.values():
        assert _contrast(layout.INK, tint) >= 7.0, tint.hexval()
    assert _contrast(layout.MUTED, layout.WHITE) >= 4.5
