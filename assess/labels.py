"""Every label of a code, in one place: the catalogue's Swedish texts, translated when read (see assess/i18n.py).

The pages, the history, the PDF reports and the forms all take their words from here, so they cannot drift.
The verdicts, areas, area results, outcomes and who answers are also in the rules module's own tables
(rules/model.py, for its command line); a test keeps the two the same in both languages.
"""

from __future__ import annotations

from assess.i18n import N_, Labels, _

VERDICT = Labels(
    {
        "suitable": N_("Lämplig"),
        "suitable_with_conditions": N_("Lämplig med villkor"),
        "not_suitable": N_("Ej lämplig"),
        "cannot_assess": N_("Kan ej bedömas ännu"),
    }
)
AREA = Labels(
    {
        "context": N_("Förutsättningar"),
        "legal": N_("Juridik"),
        "infosec": N_("Informationssäkerhet"),
        "patient_safety": N_("Patientsäkerhet"),
    }
)
AREA_RESULT = Labels(
    {
        "met": N_("Uppfyllt"),
        "met_with_conditions": N_("Uppfyllt med villkor"),
        "not_met": N_("Ej uppfyllt"),
        "cannot_assess": N_("Kan ej bedömas"),
    }
)
OUTCOME = Labels(
    {
        "OK": N_("OK"),
        "C": N_("Villkor"),
        "KO": N_("Stoppträff"),
        "UB": N_("Blockerande okänd"),
        "UN": N_("Icke blockerande okänd"),
        "NA": N_("Ej tillämplig"),
    }
)
#: Who is to answer a question (the rule set's `answered_by`), as "to be answered by ...".
ANSWERED_BY = Labels({"provider": N_("leverantören"), "legal": N_("juristen"), "region": N_("regionen")})
EVIDENCE = Labels(
    {
        "E0": N_("Inget underlag"),
        "E1": N_("Leverantörens uppgift"),
        "E2": N_("Avtalat åtagande"),
        "E3": N_("Oberoende intyg"),
        "E4": N_("Verifierat av regionen"),
    }
)
#: The evidence levels as the questionnaire offers them: the level and what it means.
EVIDENCE_CHOICE = Labels(
    {
        "E0": N_("E0 – Inget underlag (räknas som okänt)"),
        "E1": N_("E1 – Leverantörens uppgift"),
        "E2": N_("E2 – Avtalat åtagande"),
        "E3": N_("E3 – Oberoende intyg"),
        "E4": N_("E4 – Verifierat av regionen"),
    }
)
STATUS = Labels(
    {
        "draft": N_("Utkast"),
        "submitted": N_("Inskickad"),
        "in_review": N_("Under granskning"),
        "changes_requested": N_("Ändringar begärda"),
        "reviewed": N_("Granskad"),
        "decided": N_("Beslutad"),
        "superseded": N_("Ersatt av nyare revision"),
    }
)
CASE_STATUS = Labels({"open": N_("Pågående"), "closed": N_("Avslutat")})
ROLE = Labels(
    {
        "admin": N_("Administratör"),
        "architect": N_("Arkitekt"),
        "reviewer": N_("Granskare"),
        "decision_maker": N_("Beslutsfattare"),
        "viewer": N_("Läsare"),
    }
)
REVIEW_AREA = Labels(
    {"legal": N_("juridik"), "infosec": N_("informationssäkerhet"), "patient_safety": N_("patientsäkerhet")}
)
GATE = Labels(
    {
        "before_contract": N_("före avtal"),
        "before_go_live": N_("före driftstart"),
        "within_months": N_("inom ett antal månader"),
    }
)
OVERRIDE_KIND = Labels({"legal": N_("juridiskt ställningstagande"), "technical": N_("tekniskt ställningstagande")})
DECISION_OUTCOME = Labels({"approved": N_("Användningen godkänd"), "rejected": N_("Användningen avslagen")})
OPERATING_MODEL = Labels(
    {
        "saas": N_("SaaS (programvara som tjänst)"),
        "paas": N_("PaaS (plattform som tjänst)"),
        "iaas": N_("IaaS (infrastruktur som tjänst)"),
        "vendor_hosted": N_("Leverantörsdrift i leverantörens datacenter"),
        "region_on_prem": N_("Drift i regionens egna datacenter"),
        "hybrid": N_("Hybrid"),
    }
)
#: What happened, as the history page names each audit action.
AUDIT_ACTION = Labels(
    {
        "case.create": N_("Ärende skapat"),
        "case.update": N_("Ärende ändrat"),
        "alternative.create": N_("Alternativ skapat"),
        "alternative.update": N_("Alternativ ändrat"),
        "assessment.create": N_("Bedömning påbörjad"),
        "answer.save": N_("Svar sparat"),
        "assessment.submit": N_("Inskickad för granskning"),
        "assessment.start_review": N_("Granskning påbörjad"),
        "review.comment": N_("Kommentar"),
        "assessment.request_changes": N_("Ändringar begärda"),
        "assessment.reopen": N_("Tillbaka till utkast"),
        "review.approve_area": N_("Område godkänt"),
        "review.override": N_("Stoppträff hävd"),
        "assessment.reviewed": N_("Alla områden godkända"),
        "assessment.decide": N_("Beslut fattat"),
        "record.freeze": N_("Beslutspost fryst"),
        "assessment.supersede": N_("Ersatt av ny revision"),
        "assessment.revise": N_("Ny revision skapad"),
        "assessment.reevaluate": N_("Flyttad till nyare regelverk"),
        "condition.fulfil": N_("Villkor uppfyllt"),
        "user.create": N_("Konto skapat"),
        "user.set_roles": N_("Roller ändrade"),
        "user.deactivate": N_("Konto inaktiverat"),
        "user.set_password": N_("Lösenord bytt"),
        "user.login": N_("Inloggning"),
        "user.language": N_("Språk valt"),
    }
)
#: The fields that the history shows before and after a change.
FIELD = Labels(
    {
        "question": N_("fråga"),
        "value": N_("svar"),
        "evidence": N_("underlag"),
        "motivation": N_("motivering"),
        "evidence_ref": N_("underlagsreferens"),
        "unknown_owner": N_("vem tar reda på det"),
        "unknown_due": N_("senast"),
        "status": N_("status"),
        "round": N_("granskningsomgång"),
        "verdict": N_("resultat"),
        "area": N_("område"),
        "areas": N_("områden"),
        "reason": N_("vad som ska ändras"),
        "note": N_("kommentar"),
        "text": N_("text"),
        "reply_to": N_("svar på kommentar"),
        "kind": N_("slag"),
        "reference": N_("referens"),
        "author": N_("författare"),
        "date": N_("datum"),
        "review_date": N_("omprövas"),
        "outcome": N_("beslut"),
        "sha256": N_("postens SHA-256"),
        "content_sha256": N_("innehållets SHA-256"),
        "report_sha256": N_("rapportens SHA-256"),
        "fulfilled": N_("uppfyllt"),
        "scope": N_("omfattning"),
        "ruleset": N_("regelverk"),
        "alternative": N_("alternativ"),
        "title": N_("namn"),
        "need_statement": N_("behov"),
        "information_owner": N_("informationsägare"),
        "decision_maker": N_("beslutsfattare"),
        "name": N_("namn"),
        "description": N_("beskrivning"),
        "operating_model": N_("driftmodell"),
        "provider": N_("leverantör"),
        "new_revision": N_("ny revision"),
        "revision_of": N_("revision av"),
        "revision": N_("revision"),
        "dropped": N_("borttagna svar"),
        "from": N_("från"),
        "to": N_("till"),
        "username": N_("användarnamn"),
        "display_name": N_("visningsnamn"),
        "email": N_("e-post"),
        "active": N_("aktivt"),
        "roles": N_("roller"),
        "review_areas": N_("granskningsområden"),
        "sessions_ended": N_("avslutade sessioner"),
        "language": N_("språk"),
    }
)


def role_labels(roles: set[str], areas: set[str]) -> list[str]:
    """Return a user's roles in words, the reviewer's areas in brackets, in a stable order."""
    labels = []
    for role in ROLE:
        if role not in roles:
            continue
        if role == "reviewer" and areas:
            listed = ", ".join(REVIEW_AREA[a] for a in REVIEW_AREA if a in areas)
            labels.append(_("%(role)s (%(areas)s)", role=ROLE[role], areas=listed))
        else:
            labels.append(ROLE[role])
    return labels
