"""Swedish words for the codes of the report data (scoring.md §1, criteria.md §1.3)."""

from __future__ import annotations

from datetime import date, datetime

VERDICT = {
    "suitable": "Lämplig",
    "suitable_with_conditions": "Lämplig med villkor",
    "not_suitable": "Ej lämplig",
    "cannot_assess": "Kan ej bedömas ännu",
}
AREA = {
    "context": "Förutsättningar",
    "legal": "Juridik",
    "infosec": "Informationssäkerhet",
    "patient_safety": "Patientsäkerhet",
}
AREA_RESULT = {
    "met": "Uppfyllt",
    "met_with_conditions": "Uppfyllt med villkor",
    "not_met": "Ej uppfyllt",
    "cannot_assess": "Kan ej bedömas",
}
OUTCOME = {
    "OK": "OK",
    "C": "Villkor",
    "KO": "Stopp",
    "UB": "Blockerande okänd",
    "UN": "Icke blockerande okänd",
    "NA": "Ej tillämplig",
}
ANSWERED_BY = {"provider": "leverantören", "legal": "juristen", "region": "regionen"}
EVIDENCE = {
    "E0": "Inget underlag",
    "E1": "Leverantörens uppgift",
    "E2": "Avtalat åtagande",
    "E3": "Oberoende intyg",
    "E4": "Verifierat av regionen",
}
STATUS = {
    "draft": "Utkast",
    "submitted": "Inskickad",
    "in_review": "Under granskning",
    "changes_requested": "Ändringar begärda",
    "reviewed": "Granskad",
    "decided": "Beslutad",
    "superseded": "Ersatt av nyare version",
}
GATE = {
    "before_contract": "Före avtal",
    "before_go_live": "Före driftstart",
    "within_months": "Inom angivet antal månader",
}
OVERRIDE_KIND = {"legal": "juridisk bedömning", "technical": "teknisk bedömning"}

# Severity for the worst case (scoring.md §1): higher is worse.
VERDICT_SEVERITY = {"suitable": 0, "suitable_with_conditions": 1, "cannot_assess": 2, "not_suitable": 3}


def verdict_phrase(verdict: str, worst_case: str) -> str:
    """Return the verdict in words, with the worst case when it is more severe (scoring.md §7)."""
    words = VERDICT.get(verdict, verdict)
    if VERDICT_SEVERITY.get(worst_case, 0) > VERDICT_SEVERITY.get(verdict, 0):
        return f"{words} – risk för {VERDICT.get(worst_case, worst_case)}"
    return words


def evidence_phrase(code: str | None) -> str:
    """Return an evidence level as code and words, e.g. "E2 · Avtalat åtagande"."""
    if code is None:
        return "Ej angiven (räknas som E1 · Leverantörens uppgift)"
    return f"{code} · {EVIDENCE.get(code, code)}"


def gate_label(gate: str | None) -> str:
    """Return a condition's gate in words (a code from GATE, or the given free text)."""
    if not gate:
        return "–"
    return GATE.get(gate, gate)


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
