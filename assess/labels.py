"""Every label of a code, in one place: the catalogue's Swedish texts, translated when read (see assess/i18n.py).

The pages, the history, the PDF reports and the forms all take their words from here, so they cannot drift.
The verdicts, areas, area results, outcomes and who answers are also in the rules module's own tables
(rules/model.py, for its command line); a test keeps the two the same in both languages.
"""

from __future__ import annotations

from assess import texts
from assess.i18n import N_, Labels, _

VERDICT = Labels(texts.VERDICT)
AREA = Labels(texts.AREA)
AREA_RESULT = Labels(texts.AREA_RESULT)
OUTCOME = Labels(texts.OUTCOME)
ANSWERED_BY = Labels(texts.ANSWERED_BY)
EVIDENCE = Labels(texts.EVIDENCE)
EVIDENCE_CHOICE = Labels(texts.EVIDENCE_CHOICE)
STATUS = Labels(texts.STATUS)
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
GATE = Labels(texts.GATE)
OVERRIDE_KIND = Labels(texts.OVERRIDE_KIND)
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
        "record.export": N_("Arkivpaket hämtat"),
        "assessment.export": N_("Bedömning exporterad (JSON)"),
        "assessment.import": N_("Bedömning importerad (JSON)"),
        "evidence.upload": N_("Underlag bifogat"),
        "evidence.remove": N_("Underlag borttaget"),
        "vendor_sheet.import": N_("Svar från leverantörens formulär (XLSX)"),
        "token.create": N_("API-nyckel skapad"),
        "token.revoke": N_("API-nyckel återkallad"),
        "token.use": N_("API-nyckel använd"),
        "token.write": N_("Ändring genom API:t"),
        "assessment.supersede": N_("Ersatt av ny revision"),
        "assessment.revise": N_("Ny revision skapad"),
        "assessment.reevaluate": N_("Flyttad till nyare regelverk"),
        "condition.fulfil": N_("Villkor uppfyllt"),
        "condition.claim": N_("Villkor anmält som uppfyllt"),
        "condition.verify": N_("Villkor verifierat"),
        "condition.return": N_("Villkor återskickat"),
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
        "claimed": N_("anmält som uppfyllt"),
        "claimed_by": N_("anmält av"),
        "on_behalf_of": N_("för kontakten"),
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
        "question_outcome": N_("utfall"),
        "answers": N_("antal svar"),
        "source": N_("källa"),
        "dropped_answers": N_("borttagna svar"),
        "questions_added": N_("nya frågor"),
        "questions_removed": N_("borttagna frågor"),
        "gate": N_("grind"),
        "gate_months": N_("antal månader"),
        "deadline": N_("senast"),
        "owner": N_("ansvarig"),
        "mitigations": N_("åtgärder"),
        "residual_risks": N_("kvarstående risker"),
        "next_review": N_("nästa omprövning"),
    }
)
#: Where a history event's data came from, when not from a person's form (the demonstration data).
SOURCE = Labels({"demo": N_("demonstrationsdata")})


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
