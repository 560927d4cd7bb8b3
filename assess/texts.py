"""The words for the codes that both the pages and the PDF reports use: the catalogue's Swedish message ids.

Plain data, no Flask: the PDF renderers (assess/pdf) read these tables and translate each word with the
translation function they are given; the pages read them through assess/labels.py, which translates them to the
request's language. The rules module keeps the same words in both languages for its command line
(rules/model.py); a test keeps the three the same.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 (gettext's name for "mark for the catalogue, translate later")
    """Mark a text for the catalogue without translating it (`make translations` collects it)."""
    return message


VERDICT: dict[str, str] = {
    "suitable": N_("Lämplig"),
    "suitable_with_conditions": N_("Lämplig med villkor"),
    "not_suitable": N_("Ej lämplig"),
    "cannot_assess": N_("Kan ej bedömas ännu"),
}

AREA: dict[str, str] = {
    "context": N_("Förutsättningar"),
    "legal": N_("Juridik"),
    "infosec": N_("Informationssäkerhet"),
    "patient_safety": N_("Patientsäkerhet"),
}

AREA_RESULT: dict[str, str] = {
    "met": N_("Uppfyllt"),
    "met_with_conditions": N_("Uppfyllt med villkor"),
    "not_met": N_("Ej uppfyllt"),
    "cannot_assess": N_("Kan ej bedömas"),
}

OUTCOME: dict[str, str] = {
    "OK": N_("OK"),
    "C": N_("Villkor"),
    "KO": N_("Stoppträff"),
    "UB": N_("Blockerande okänd"),
    "UN": N_("Icke blockerande okänd"),
    "NA": N_("Ej tillämplig"),
}

#: Who is to answer a question (the rule set's `answered_by`), as "to be answered by ...".
ANSWERED_BY: dict[str, str] = {"provider": N_("leverantören"), "legal": N_("juristen"), "region": N_("regionen")}

EVIDENCE: dict[str, str] = {
    "E0": N_("Inget underlag"),
    "E1": N_("Leverantörens uppgift"),
    "E2": N_("Avtalat åtagande"),
    "E3": N_("Oberoende intyg"),
    "E4": N_("Verifierat av regionen"),
}

#: The evidence levels as the questionnaire offers them: the level and what it means.
EVIDENCE_CHOICE: dict[str, str] = {
    "E0": N_("E0 – Inget underlag (räknas som okänt)"),
    "E1": N_("E1 – Leverantörens uppgift"),
    "E2": N_("E2 – Avtalat åtagande"),
    "E3": N_("E3 – Oberoende intyg"),
    "E4": N_("E4 – Verifierat av regionen"),
}

STATUS: dict[str, str] = {
    "draft": N_("Utkast"),
    "submitted": N_("Inskickad"),
    "in_review": N_("Under granskning"),
    "changes_requested": N_("Ändringar begärda"),
    "reviewed": N_("Granskad"),
    "decided": N_("Beslutad"),
    "superseded": N_("Ersatt av nyare revision"),
}

GATE: dict[str, str] = {
    "before_contract": N_("före avtal"),
    "before_go_live": N_("före driftstart"),
    "within_months": N_("inom ett antal månader"),
}

OVERRIDE_KIND: dict[str, str] = {
    "legal": N_("juridiskt ställningstagande"),
    "technical": N_("tekniskt ställningstagande"),
}


#: The scope of an alternative's single assessment (stored in Swedish; shown in the reader's language).
WHOLE_ALTERNATIVE = N_("Hela alternativet")
