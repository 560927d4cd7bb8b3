"""The words of the reports: the code tables of assess.texts, translated while a report is rendered.

The Swedish words are the catalogue's message ids (assess/texts.py holds the tables the pages share). A renderer
is given a translate function; `translating(tr)` makes it the one `_` uses while the report is laid out, so that
every static text in assess/pdf is written `_("...")` (or marked `N_("...")` where it is a module-level constant
translated when used) and `python -m assess.catalogs update` finds it. Outside `translating`, `_` returns the
Swedish text as it is.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime

from assess.texts import (
    ANSWERED_BY,
    AREA,
    AREA_RESULT,
    EVIDENCE,
    GATE,
    N_,
    OUTCOME,
    OVERRIDE_KIND,
    STATUS,
    VERDICT,
)

__all__ = [
    "ANSWERED_BY",
    "AREA",
    "AREA_RESULT",
    "EVIDENCE",
    "GATE",
    "LANGUAGE_NAME",
    "OUTCOME",
    "OVERRIDE_KIND",
    "STATUS",
    "VERDICT",
    "N_",
    "Translate",
    "identity",
]

Translate = Callable[[str], str]


def identity(message: str) -> str:
    """Return the Swedish text as it is (the translation of a Swedish report)."""
    return message


_current: contextvars.ContextVar[Translate] = contextvars.ContextVar("report_translate", default=identity)


@contextmanager
def translating(tr: Translate | None) -> Iterator[None]:
    """Translate with tr (Swedish when None) while the block lays out a report."""
    token = _current.set(tr or identity)
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """Translate a Swedish text with the report's translate function."""
    return _current.get()(message)


def word(table: Mapping[str, str], code: str | None) -> str:
    """Return the translated word of a code in one of the tables, or the code itself when it has none."""
    if code is None:
        return "–"
    return _(table[code]) if code in table else code


#: The report's language, as the report names it.
LANGUAGE_NAME = {"sv": N_("svenska"), "en": N_("engelska")}
#: The language tag of the PDF (catalog /Lang, XMP dc:language).
LANGUAGE_TAG = {"sv": "sv-SE", "en": "en-GB"}

# Severity for the worst case (scoring.md §1): higher is worse.
VERDICT_SEVERITY = {"suitable": 0, "suitable_with_conditions": 1, "cannot_assess": 2, "not_suitable": 3}


def capital(text: str) -> str:
    """Return the text with its first letter in upper case (a word from a table at the start of a cell)."""
    return text[:1].upper() + text[1:]


def verdict_phrase(verdict: str, worst_case: str) -> str:
    """Return the verdict in words, with the worst case when it is more severe (scoring.md §7)."""
    words = word(VERDICT, verdict)
    if VERDICT_SEVERITY.get(worst_case, 0) > VERDICT_SEVERITY.get(verdict, 0):
        return _("%(verdict)s – risk för %(worst)s") % {"verdict": words, "worst": word(VERDICT, worst_case)}
    return words


def evidence_phrase(code: str | None) -> str:
    """Return an evidence level as code and words, e.g. "E2 · Avtalat åtagande"."""
    if code is None:
        return _("Ej angiven (räknas som E1 · Leverantörens uppgift)")
    return f"{code} · {word(EVIDENCE, code)}"


def gate_label(gate: str | None) -> str:
    """Return a condition's gate in words (a code from GATE, or the given free text)."""
    if not gate:
        return "–"
    return capital(_(GATE[gate])) if gate in GATE else gate


def fmt_date(value: date | None) -> str:
    """Format a date as YYYY-MM-DD, or a dash when missing."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat()


def fmt_time(value: datetime | None) -> str:
    """Format a time as YYYY-MM-DD HH:MM, or a dash when missing."""
    if value is None:
        return "–"
    return value.strftime("%Y-%m-%d %H:%M")
