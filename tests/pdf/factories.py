"""Realistic report data for the PDF tests and the bench: callables, not fixtures."""

# ruff: noqa: E501 - the question table holds the catalogue's texts verbatim.

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

from assess.pdf.data import (
    AREAS,
    AreaApproval,
    AreaResults,
    AreaSection,
    AssessmentReport,
    ComparisonReport,
    ComparisonRow,
    Condition,
    Decision,
    IgnoredAnswer,
    Knockout,
    Mitigation,
    Outcome,
    Override,
    Question,
    QuestionRef,
    Reference,
    ReviewComment,
    RuleSetIdentity,
    Unknown,
)

QUESTIONS: tuple[tuple[str, str, str, str], ...] = (
    (
        "G-01",
        "Tjänst, leverantör, ägarkedja",
        "Vilken tjänst och version avses, vilken juridisk person levererar den, och vilka bolag ingår i ägarkedjan upp till yttersta moderbolag (med säte per bolag)?",
        "provider",
    ),
    (
        "G-02",
        "Driftmodell",
        "Vilken driftmodell gäller: SaaS, PaaS, IaaS, leverantörsdrift i leverantörens datacenter, drift i regionens egna datacenter med leverantörens programvara, eller en blandning?",
        "region",
    ),
    (
        "G-03",
        "Ändamål och användning",
        "Vilket verksamhetsbehov ska tjänsten lösa, i vilka processer och av vilka användargrupper (region, kommuner, privata vårdgivare)?",
        "region",
    ),
    (
        "G-04",
        "Personuppgifter",
        "Behandlar tjänsten personuppgifter (inklusive loggar, metadata och supportärenden)?",
        "region",
    ),
    (
        "G-05",
        "Patientuppgifter",
        "Behandlar tjänsten uppgifter om patienters hälsotillstånd eller andra personliga förhållanden (journaluppgifter)?",
        "region",
    ),
    (
        "G-06",
        "Sekretessreglerade uppgifter",
        "Omfattas uppgifterna i tjänsten av sekretess enligt OSL, och i så fall vilka bestämmelser (t.ex. 25 kap. 1 § hälso- och sjukvårdssekretess)? Ange bestämmelserna i motiveringen.",
        "legal",
    ),
    (
        "G-07",
        "Skyddade personuppgifter",
        "Kan tjänsten komma att innehålla uppgifter om personer med skyddade personuppgifter (sekretessmarkering, skyddad folkbokföring)?",
        "region",
    ),
    (
        "G-08",
        "Omfattning",
        "Hur många registrerade berörs?",
        "region",
    ),
    (
        "G-09",
        "KLASSA konfidentialitet",
        "Vilken konfidentialitetsnivå har informationen enligt KLASSA?",
        "region",
    ),
    (
        "G-10",
        "KLASSA riktighet",
        "Vilken riktighetsnivå har informationen enligt KLASSA?",
        "region",
    ),
    (
        "G-11",
        "KLASSA tillgänglighet",
        "Vilken tillgänglighetsnivå har informationen enligt KLASSA?",
        "region",
    ),
    (
        "G-12",
        "Samhällsviktig tjänst",
        "Är tjänsten nödvändig för att bedriva hälso- och sjukvård (samhällsviktig tjänst), och omfattas den av regionens skyldigheter enligt cybersäkerhetslagen?",
        "region",
    ),
    (
        "G-13",
        "Säkerhetskänslig verksamhet",
        "Visar regionens säkerhetsskyddsanalys att tjänsten berör säkerhetskänslig verksamhet eller säkerhetsskyddsklassificerade uppgifter?",
        "region",
    ),
    (
        "G-14",
        "Lagringsplats",
        "Var lagras och bearbetas data, inklusive säkerhetskopior, loggar och telemetri? Ange den minst skyddade platsen.",
        "provider",
    ),
    (
        "G-15",
        "Åtkomstplats",
        "Varifrån kan leverantörens och underbiträdenas personal komma åt data (drift, support, utveckling)? Ange den minst skyddade platsen.",
        "provider",
    ),
    (
        "G-16",
        "Tredjelandsjurisdiktion",
        "Är leverantören, något koncernbolag eller något underbiträde med åtkomst till data föremål för tredjelandslag som kan tvinga fram utlämnande utan svensk rättslig prövning (t.ex. CLOUD Act, FISA 702)?",
        "legal",
    ),
    (
        "L-01",
        "Sekretessbrytande grund",
        "Är leverantörens uppdrag endast teknisk bearbetning eller teknisk lagring för regionens räkning, så att 10 kap. 2 a § OSL kan tillämpas? Eller utför leverantören även sakliga uppgifter (t.ex. transkribering, kodning, klinisk tjänst, analys)?",
        "legal",
    ),
    (
        "L-02",
        "Olämplighetsprövning",
        "Har regionen gjort och dokumenterat prövningen av om utlämnandet med hänsyn till omständigheterna är olämpligt (känslighet, mängd, aggregering, tredjelandsexponering, säkerhetsnivå, alternativ)?",
        "legal",
    ),
    (
        "L-03",
        "Lagstadgad tystnadsplikt hos leverantören",
        "Omfattas leverantören och dess underleverantörer av tystnadsplikt enligt lag (2020:914), och speglar avtalet detta (inklusive information till personal och underleverantörer)?",
        "legal",
    ),
    (
        "L-04",
        "Tredjelandsåtkomst till klartext",
        "Om leverantören (eller ett koncernbolag eller underbiträde) kan åläggas att lämna ut uppgifter enligt tredjelandslag: kan den i så fall tekniskt och organisatoriskt komma åt de sekretessbelagda uppgifterna i klartext?",
        "legal",
    ),
    (
        "L-05",
        "Personuppgiftsbiträdesavtal",
        "Finns ett personuppgiftsbiträdesavtal som innehåller samtliga obligatoriska delar i artikel 28.3 (instruktion, sekretess, säkerhet, underbiträden, bistånd, radering eller återlämning, granskning)?",
        "legal",
    ),
    (
        "L-06",
        "Utländska myndighetsbegäranden",
        "Förbinder sig leverantören att endast följa regionens instruktioner, att underrätta regionen om, bestrida och minimera begäranden från tredjelandsmyndigheter, och att inte lämna ut uppgifter som saknar stöd i internationellt avtal?",
        "legal",
    ),
    (
        "L-07",
        "Underbiträden",
        "Finns en fullständig förteckning över underbiträden (namn, land, roll, åtkomst), och krävs regionens förhandsgodkännande eller har regionen rätt att invända vid ändringar?",
        "provider",
    ),
    (
        "L-08",
        "Tredjelandsöverföring",
        "Förekommer överföring av personuppgifter till tredjeland (inklusive fjärråtkomst och support), och i så fall på vilken grund?",
        "legal",
    ),
    (
        "L-09",
        "Konsekvensbedömning för överföring (TIA)",
        "Finns en dokumenterad TIA som bedömer mottagarlandets lagstiftning och praxis samt effekten av de kompletterande åtgärderna?",
        "legal",
    ),
    (
        "L-10",
        "Tystnadsplikt enligt art. 9.3",
        "Behandlas hälsouppgifterna endast av eller under ansvar av personer med lagstadgad tystnadsplikt enligt unionsrätt eller svensk rätt, även hos underbiträden i tredjeland?",
        "legal",
    ),
    (
        "L-11",
        "Konsekvensbedömning (DPIA)",
        "Är en konsekvensbedömning avseende dataskydd genomförd, vilken är den kvarstående risken efter åtgärder, och har IMY i så fall konsulterats?",
        "region",
    ),
    (
        "L-12",
        "Leverantörens egna ändamål",
        "Använder leverantören patientdata eller härledda data (telemetri, diagnostikdata) för egna ändamål, t.ex. produktutveckling, analys eller AI-träning?",
        "provider",
    ),
    (
        "L-13",
        "Inre sekretess och spärr",
        "Stöder tjänsten inre spärr av uppgifter hos en vårdenhet eller i en vårdprocess på patientens begäran?",
        "provider",
    ),
    (
        "L-14",
        "Sammanhållen journalföring",
        "När flera vårdgivare delar journal: stöder tjänsten patientdatalagens krav (aktuell patientrelation, samtycke, spärr mellan vårdgivare, loggning per vårdgivare)?",
        "provider",
    ),
    (
        "L-15",
        "Loggutdrag till patient",
        "Kan regionen ta fram loggutdrag som visar från vilken vårdenhet och när någon tagit del av patientens uppgifter, så att patienten kan bedöma om åtkomsten var befogad?",
        "provider",
    ),
    (
        "L-16",
        "Allmänna handlingar och arkiv",
        "Kan regionen fullgöra utlämnande av allmänna handlingar, bevarande och gallring enligt arkivlagen, bevarande av journal i minst tio år, och export i arkivbeständiga format?",
        "region",
    ),
    (
        "S-01",
        "Oberoende granskning",
        "Finns oberoende intyg som täcker tjänsten (ISO/IEC 27001 med tillämplighetsförklaring, SOC 2 Typ II, BSI C5 Typ 2), eller avtalad revisionsrätt?",
        "provider",
    ),
    (
        "S-02",
        "Molnspecifika kontroller",
        "Tillämpar leverantören ISO/IEC 27017 (molnsäkerhet) och ISO/IEC 27018 (skydd av personuppgifter i publikt moln), inklusive rutin för myndighetsbegäranden?",
        "provider",
    ),
    (
        "S-03",
        "Kryptering",
        "Är data krypterade under överföring (aktuell TLS) och i vila (inklusive säkerhetskopior och loggar)?",
        "provider",
    ),
    (
        "S-04",
        "Nyckelhantering",
        "Vem kontrollerar krypteringsnycklarna?",
        "provider",
    ),
    (
        "S-05",
        "Leverantörens administrativa åtkomst",
        "Hur styrs leverantörens administrativa åtkomst till kunddata: ingen stående åtkomst, tidsbegränsad och godkänd av regionen, loggad och endast från EU/EES?",
        "provider",
    ),
    (
        "S-06",
        "Identitet och stark autentisering",
        "Är tjänsten kopplad till regionens identitetslösning, och krävs stark autentisering (t.ex. SITHS/e-tjänstekort, MFA) för åtkomst till patientuppgifter?",
        "provider",
    ),
    (
        "S-07",
        "Behörighetsstyrning",
        "Kan behörigheter begränsas till vad varje användare behöver (per vårdenhet, vårdprocess, roll), baserat på regionens behovs- och riskanalys?",
        "provider",
    ),
    (
        "S-08",
        "Åtkomstloggning",
        "Loggas varje användares åtkomst till patientuppgifter med användare, patient, tidpunkt, vårdenhet och vilken åtgärd som vidtogs?",
        "provider",
    ),
    (
        "S-09",
        "Logguppföljning och export",
        "Stöder tjänsten systematiska och återkommande kontroller av åtkomst (verktyg, urval), lagring av loggar under erforderlig tid, och export till regionens SIEM?",
        "provider",
    ),
    (
        "S-10",
        "Leverantörens driftloggar",
        "Får regionen ta del av loggar över leverantörspersonalens åtkomst till regionens data?",
        "provider",
    ),
    (
        "S-11",
        "Isolering",
        "Är regionens data logiskt eller fysiskt separerade från andra kunders (dedikerad instans eller delad plattform)?",
        "provider",
    ),
    (
        "S-12",
        "Sårbarhetshantering",
        "Finns dokumenterad sårbarhetshantering, patchtider och årliga penetrationstester vars sammanfattning delas med regionen?",
        "provider",
    ),
    (
        "S-13",
        "Incidentrapportering",
        "Rapporterar leverantören säkerhets- och personuppgiftsincidenter till regionen utan dröjsmål, inom avtalad tid (t.ex. högst 24 timmar), så att regionen kan uppfylla GDPR (72 h) och cybersäkerhetslagen (24 h / 72 h / 1 månad)?",
        "provider",
    ),
    (
        "S-14",
        "Säkerhetskopiering och återläsning",
        "Finns frekventa, separerade och oföränderliga säkerhetskopior med testad återläsning som uppfyller krav på återställningspunkt och återställningstid enligt KLASSA R/T?",
        "provider",
    ),
    (
        "S-15",
        "Tillgänglighet och arkitektur",
        "Motsvarar tillgänglighetsåtagande (SLA) och redundans (t.ex. två datacenter) den tillgänglighetsnivå som KLASSA kräver?",
        "provider",
    ),
    (
        "S-16",
        "Leveranskedjans säkerhet",
        "Ställer leverantören motsvarande säkerhetskrav på sina underleverantörer, och följer regionen upp leverantörskedjan enligt cybersäkerhetslagen?",
        "provider",
    ),
    (
        "S-17",
        "Datalokalisering inklusive biprodukter",
        "Garanteras avtalsmässigt och tekniskt att även säkerhetskopior, loggar, telemetri och supportärenden stannar inom EU/EES?",
        "provider",
    ),
    (
        "P-01",
        "Patientsäkerhetsriskanalys",
        "Har regionen gjort en riskanalys av hur införande och användning (inklusive migrering och driftstart) kan leda till vårdskada, med åtgärder och tidsplan?",
        "region",
    ),
    (
        "P-02",
        "Medicinteknisk produkt",
        "Innehåller tjänsten programvara med medicinskt syfte (t.ex. läkemedelsordination, beslutsstöd, triagering), och är den i så fall CE-märkt i korrekt riskklass och registrerad?",
        "provider",
    ),
    (
        "P-03",
        "Reservrutiner",
        "Finns beprövade reservrutiner och läsbar nödkopia av kritisk information (läkemedelslista, allergier, pågående vård) om tjänsten eller förbindelsen är otillgänglig?",
        "region",
    ),
    (
        "P-04",
        "Migrering och dataintegritet",
        "Finns en validerad plan för migrering av historiska journaluppgifter, med avstämning av fullständighet och riktighet före driftstart?",
        "region",
    ),
    (
        "P-05",
        "Integrationer",
        "Är integrationer med nationella och regionala tjänster (t.ex. Nationella läkemedelslistan, NPÖ, 1177, lab- och bildsystem) testade från början till slut?",
        "region",
    ),
    (
        "P-06",
        "Användbarhet och utbildning",
        "Är tjänsten validerad med kliniska användare, och finns en utbildningsplan och go/no-go-kriterier som klinisk ledning äger?",
        "region",
    ),
    (
        "P-07",
        "Avvikelserapportering",
        "Finns rutiner och avtalsstöd för att rapportera negativa händelser till tillverkaren och Läkemedelsverket, göra lex Maria-anmälan till IVO, och få leverantörens medverkan i utredningar?",
        "region",
    ),
    (
        "P-08",
        "Ändringshantering",
        "Kan regionen testa leverantörens uppdateringar i egen testmiljö, få dem aviserade i förväg och skjuta upp patientsäkerhetskritiska ändringar?",
        "provider",
    ),
    (
        "P-09",
        "Prestanda och skalbarhet",
        "Är svarstider och kapacitet verifierade för regionens volym (t.ex. 1,7 miljoner invånare, många samtidiga användare) och för anslutning via regionens nät?",
        "region",
    ),
    (
        "P-10",
        "AI-funktioner",
        "Innehåller tjänsten AI-funktioner (t.ex. tal-till-text, beslutsstöd, prediktion), och är deras avsedda ändamål, riskklass enligt AI-förordningen och mänsklig tillsyn fastställda?",
        "provider",
    ),
    (
        "P-11",
        "Patientsäkerhetseffekt av skyddsåtgärder",
        "Har regionen bedömt om de juridiska och säkerhetsmässiga åtgärderna (t.ex. endast EU-support, kundhållna nycklar, spärrar, kundgodkänd åtkomst) kan försena felavhjälpning eller åtkomst i akuta lägen?",
        "region",
    ),
)

AREA_OF = {"G": "context", "L": "legal", "S": "infosec", "P": "patient_safety"}
TITLES = {qid: title for qid, title, _, _ in QUESTIONS}
RULESET = RuleSetIdentity(
    id="molnlamplighet",
    version="1",
    sha256="3f6c2b9a4d1e8f70a5b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1",
)
RECORD_HASH = "9b2e4d6f8a0c1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f"
GENERATED = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)

# Outcomes that are not OK, with the rule reason the report must print.
KO_REASONS = {
    "L-04": "En part under tredjelandslag kan nå sekretessbelagda uppgifter (K3 eller högre) i klartext. 8 kap. 3 § OSL kräver svensk prövning före utlämnande till utländsk myndighet, och ett utländskt föreläggande kringgår den.",
    "S-08": "Leverantören har öppna allvarliga brister från senaste penetrationstest utan åtgärdsplan; tjänsten kan inte anses skydda uppgifterna enligt art. 32 GDPR.",
}
OUTCOMES: dict[str, Outcome] = {
    "G-07": "C",
    "G-09": "UB",
    "L-01": "C",  # a knock-out lifted by a legal override
    "L-04": "KO",
    "L-05": "UB",
    "L-12": "C",
    "L-16": "C",
    "S-01": "C",
    "S-08": "KO",
    "S-09": "C",
    "S-13": "UN",
    "P-04": "C",
    "P-09": "UN",
}
OVERRIDDEN = {"L-01"}
DECISIVE = {"G-09", "L-05", "L-12"}
MITIGATIONS = {
    "M-02": "Drift och support endast inom EU/EES med avtalat förbud och teknisk geografisk spärr mot åtkomst från tredjeland.",
    "M-06": "Avgränsning av data: håll sekretess- eller patientuppgifter utanför tjänsten.",
    "M-09": "Exitplan med dataförordningens bytesvillkor, testad fullständig export och raderingsintyg.",
    "M-10": "Oberoende granskning: ISO 27001 som omfattar tjänsten med tillämplighetsförklaring, SOC 2 Typ II.",
    "M-12": "Release- och teststyrning: kundens testmiljö, stegvis införande, rätt att skjuta upp.",
    "M-13": "Logger till regionens SIEM; lagringstid; rutin för systematisk logguppföljning.",
    "M-15": "Klinisk validering och utbildning; go/no-go som klinisk ledning äger.",
    "M-20": "Allmän avtalsförstärkning: svensk lag och svenskt forum, revision, ansvar, ändringskontroll.",
    "M-06b": "Avgränsning av skyddade personuppgifter till regionens egen miljö.",
}
CONDITION_MITIGATIONS = {
    "G-07": ("M-06b",),
    "L-12": ("M-20",),
    "L-16": ("M-09",),
    "S-01": ("M-10",),
    "S-09": ("M-13",),
    "P-04": ("M-12", "M-15"),
}
OWNERS = (
    "Förvaltningsledare Karin Åström",
    "Informationssäkerhetssamordnare Jörgen Öberg",
    "Chefläkare Märta Ek",
)
REFERENCES = (
    Reference("OSL (2009:400), 10 kap. 2 a §"),
    Reference("GDPR (EU) 2016/679, Art. 28(3)(a), 32, 48"),
    Reference("EDPB Recommendations 01/2020, Annex 2, use cases on cloud and remote access", verify=True),
)
MOTIVATION = (
    "Leverantören har i anbudet och i bilaga 4 till huvudavtalet redovisat hur uppgifterna behandlas. "
    "Regionens arkitekt har gått igenom dataflödeskartan tillsammans med leverantörens lösningsarkitekt "
    "den 12 november och jämfört den med KLASSA-rapporten för vårdinformation (K3, R3, T3). Underlaget "
    "täcker produktionsmiljön, säkerhetskopior och supportärenden, men inte telemetri från klientapparna; "
    "det följs upp i nästa avstämning. Se även https://example.org/dokument/avtal/bilaga-4?version=2026-10-01."
)


def rule_trace(qid: str, outcome: Outcome, mitigations: tuple[str, ...], references: tuple[Reference, ...]) -> str:
    """Return a rule trace in the rules module's notation (the appendix prints it; nothing else may)."""
    rule = 11 if outcome == "KO" else 1
    target = outcome + (f"[{', '.join(mitigations)}]" if mitigations else "")
    if outcome in ("UB", "UN"):
        text = f"{qid} = unknown (E0): svaret är okänt; regel {rule} ({qid} = no → KO) kan inte avgöras. Okänd ({outcome})."
    else:
        text = f"{qid} = yes (E2): regel {rule} ({qid} in {{yes, partial}} → {target}): regelns skäl."
    refs = "; ".join(r.text + (" [verify]" if r.verify else "") for r in references)
    return f"{text} Referenser: {refs}." if refs else text


def _question(qid: str, title: str, text: str, answered_by: str) -> Question:
    outcome: Outcome = OUTCOMES.get(qid, "OK")
    number = int(qid[2:])
    evidence = ("E1", "E2", "E3", "E4")[number % 4]
    if outcome == "KO":
        reason = KO_REASONS[qid]
    elif qid in OVERRIDDEN:
        reason = "Hävd genom Juridiskt PM 2026:12 (chefsjurist Anna Berg, 2026-11-20). Ursprunglig stoppträff: sekretessbrytande grund saknas för utlämnande till leverantören."
    elif outcome == "C":
        reason = f"Godtagbart med villkor: {TITLES[qid].lower()} behöver förstärkas innan avtal tecknas."
    elif outcome in ("UB", "UN"):
        reason = f"Svaret är okänt eller har för svagt underlag (kräver minst E2); besvaras av {('leverantören', 'juristen', 'regionen')[number % 3]}."
        evidence = "E0"
    else:
        reason = f"{title}: kravet är uppfyllt enligt det redovisade underlaget."
    references = REFERENCES[: number % 3 + 1]
    mitigations = CONDITION_MITIGATIONS.get(qid, ())
    return Question(
        id=qid,
        title=title,
        text=text,
        answer=None if outcome in ("UB", "UN") else ("Ja", "Nej", "Delvis, se motivering")[number % 3],
        evidence=evidence,  # type: ignore[arg-type]
        outcome=outcome,
        reason=rule_trace(qid, outcome, tuple(m.removesuffix("b") for m in mitigations), references),
        summary=reason,
        motivation=MOTIVATION if number % 2 else MOTIVATION[:180],
        evidence_reference=f"Dnr RS 2026-0{number:02d}, bilaga {number % 5 + 1}",
        references=references,
        mitigations=tuple(Mitigation(m.removesuffix("b"), MITIGATIONS[m]) for m in mitigations),
        answered_by=answered_by,  # type: ignore[arg-type]
        overridden=qid in OVERRIDDEN,
    )


def _area_result(questions: list[Question]) -> str:
    outcomes = {q.outcome for q in questions}
    if "KO" in outcomes:
        return "not_met"
    if "UB" in outcomes:
        return "cannot_assess"
    if outcomes & {"C", "UN"}:
        return "met_with_conditions"
    return "met"


def make_assessment(**changes: Any) -> AssessmentReport:
    """Return a decided, fully answered assessment of 60 shown questions; keyword arguments replace fields."""
    questions = [_question(*row) for row in QUESTIONS]
    sections = []
    for area in AREAS:
        mine = [q for q in questions if AREA_OF[q.id[0]] == area]
        ignored = (IgnoredAnswer("G-22", TITLES.get("G-22", "Befintligt avtal"), "Nej"),) if area == "context" else ()
        sections.append(
            AreaSection(area=area, result=_area_result(mine), questions=tuple(mine), ignored_answers=ignored)
        )  # type: ignore[arg-type]
    by_id = {q.id: q for q in questions}
    deadline = date(2027, 3, 31)
    conditions = tuple(
        Condition(
            question_id=qid,
            title=TITLES[qid],
            mitigations=tuple(
                Mitigation(
                    id=m.removesuffix("b"),
                    text=MITIGATIONS[m],
                    owner=OWNERS[index % len(OWNERS)],
                    deadline=deadline + timedelta(days=30 * index),
                    gate=("before_contract", "before_go_live", "inom 6 månader efter driftstart")[index % 3],
                    fulfilled=index == 0,
                )
                for index, m in enumerate(mits)
            ),
        )
        for qid, mits in CONDITION_MITIGATIONS.items()
    ) + (
        Condition(
            question_id="L-01",
            title=TITLES["L-01"],
            mitigations=(
                Mitigation(
                    id="override",
                    text="",
                    owner="Chefsjurist Anna Berg",
                    deadline=date(2027, 5, 20),
                    gate="before_contract",
                ),
            ),
            overridden=True,
        ),
    )
    base = AssessmentReport(
        case_title="Framtida vårdinformationssystem",
        alternative="Alternativ D: leverantörsdrift i EU-moln",
        scope="modul D2 Journal och dokumentation, vårdinformation K3",
        status="decided",
        generated=GENERATED,
        record_id="A-2026-0142 v3",
        ruleset=RULESET,
        verdict="not_suitable",
        worst_case="not_suitable",
        areas=tuple(sections),
        record_hash=RECORD_HASH,
        author="Sara Lindqvist, arkitekt",
        knockouts=tuple(
            Knockout(
                question_id=qid,
                title=TITLES[qid],
                reason=KO_REASONS[qid],
                references=by_id[qid].references,
                fixes=(Mitigation("M-02", MITIGATIONS["M-02"]), Mitigation("M-06", MITIGATIONS["M-06"])),
            )
            for qid in ("L-04", "S-08")
        ),
        overrides=(
            Override(
                question_id="L-01",
                title=TITLES["L-01"],
                reference="Juridiskt PM 2026:12",
                author="Chefsjurist Anna Berg",
                date=date(2026, 11, 20),
                kind="legal",
                review_date=date(2027, 5, 20),
                original_reason="Sekretessbrytande grund saknas för utlämnande till leverantören.",
            ),
        ),
        decisive_unknowns=tuple(
            Unknown(qid, TITLES[qid], by_id[qid].answered_by or "region", by_id[qid].outcome, by_id[qid].summary)
            for qid in sorted(DECISIVE)
        ),
        blocking_unknowns=tuple(
            Unknown(q.id, q.title, q.answered_by or "region", "UB") for q in questions if q.outcome == "UB"
        ),
        conditions=conditions,
        comments=(
            ReviewComment(
                "L-04",
                "Chefsjurist Anna Berg",
                datetime(2026, 11, 21, 9, 15, tzinfo=UTC),
                "Leverantörens påstående om att klartext inte kan nås saknar stöd i nyckelarkitekturen; regionhållna nycklar krävs.",
            ),
            ReviewComment(
                "infosec",
                "Informationssäkerhetssamordnare Jörgen Öberg",
                datetime(2026, 11, 21, 13, 40, tzinfo=UTC),
                "Penetrationstestet från september visar två allvarliga brister utan åtgärdsplan. Området kan inte godkännas förrän planen finns.",
            ),
            ReviewComment(
                "patient_safety",
                "Chefläkare Märta Ek",
                datetime(2026, 11, 22, 8, 5, tzinfo=UTC),
                "Reservrutinerna är övade på två sjukhus; övriga ska öva före driftstart.",
            ),
        ),
        approvals=(
            AreaApproval(
                "context",
                "Jörgen Öberg",
                datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
                "Informationssäkerhetssamordnare",
            ),
            AreaApproval("legal", "Anna Berg", datetime(2026, 11, 22, 11, 30, tzinfo=UTC), "Chefsjurist"),
            AreaApproval(
                "infosec",
                "Jörgen Öberg",
                datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
                "Informationssäkerhetssamordnare",
            ),
            AreaApproval("patient_safety", "Märta Ek", datetime(2026, 11, 23, 15, 20, tzinfo=UTC), "Chefläkare"),
        ),
        decision=Decision(
            decision_maker="Regiondirektör Åsa Grönlund",
            time=datetime(2026, 11, 24, 16, 0, tzinfo=UTC),
            approved=False,
            residual_risks="Inga kvarstående risker accepteras: två stoppträffar (L-04, S-08) kvarstår.",
            next_review=date(2027, 5, 24),
            conditions=(
                "Ny bedömning när leverantören kan visa regionhållna nycklar (M-01) och en åtgärdsplan för penetrationstestets brister.",
            ),
            role="Regiondirektör",
            text="Alternativ D avslås i nuvarande utformning.",
        ),
    )
    return dataclasses.replace(base, **changes)


def make_draft(**changes: Any) -> AssessmentReport:
    """Return the same assessment as a draft under review: no record hash, no decision."""
    defaults: dict[str, Any] = {"status": "in_review", "record_hash": None, "decision": None, "approvals": ()}
    defaults.update(changes)
    return make_assessment(**defaults)


ALTERNATIVES = (
    (
        "Alternativ A: egen drift i regionens datacenter",
        "modul A1 Hela systemet",
        "suitable_with_conditions",
        "suitable_with_conditions",
    ),
    (
        "Alternativ B: leverantörsdrift i regionens datacenter",
        "modul B1 Hela systemet",
        "suitable",
        "suitable",
    ),
    ("Alternativ C: SaaS från amerikanskägd leverantör", "modul C1 Journal", "not_suitable", "not_suitable"),
    (
        "Alternativ D: leverantörsdrift i EU-moln",
        "modul D1 Administration",
        "suitable_with_conditions",
        "suitable_with_conditions",
    ),
    (
        "Alternativ D: leverantörsdrift i EU-moln",
        "modul D2 Journal och dokumentation",
        "cannot_assess",
        "not_suitable",
    ),
    ("Alternativ E: hybrid med lokal läskopia", "modul E1 Hela systemet", "cannot_assess", "cannot_assess"),
)
AREA_RESULTS = {
    "suitable": AreaResults("met", "met", "met", "met"),
    "suitable_with_conditions": AreaResults("met", "met_with_conditions", "met_with_conditions", "met"),
    "not_suitable": AreaResults("met_with_conditions", "not_met", "not_met", "met_with_conditions"),
    "cannot_assess": AreaResults("met", "cannot_assess", "met_with_conditions", "cannot_assess"),
}


def make_comparison(rows: int = 6, **changes: Any) -> ComparisonReport:
    """Return a comparison of the demo case's alternatives (six rows by default)."""
    result = []
    for index in range(rows):
        name, module, verdict, worst = ALTERNATIVES[index % len(ALTERNATIVES)]
        if index >= len(ALTERNATIVES):
            name = f"{name} (variant {index // len(ALTERNATIVES) + 1})"
        result.append(
            ComparisonRow(
                alternative=name,
                module=module,
                status=("decided", "reviewed", "in_review")[index % 3],  # type: ignore[arg-type]
                verdict=verdict,  # type: ignore[arg-type]
                worst_case=worst,  # type: ignore[arg-type]
                area_results=AREA_RESULTS[verdict],
                knockouts=tuple(QuestionRef(q, TITLES[q]) for q in ("L-04", "S-08"))
                if verdict == "not_suitable"
                else (),
                decisive_unknowns=(QuestionRef("L-05", TITLES["L-05"], "legal"),)
                if worst == "not_suitable" and verdict != worst
                else (),
                conditions=tuple(QuestionRef(q, TITLES[q]) for q in list(CONDITION_MITIGATIONS)[: index + 1])
                if verdict != "suitable"
                else (),
                blocking_unknown_count=2 if verdict == "cannot_assess" else 0,
                record_id=f"A-2026-01{40 + index}",
                alternative_id=name,
            )
        )
    base = ComparisonReport(
        case_title="Framtida vårdinformationssystem",
        generated=GENERATED,
        rows=tuple(result),
        author="Sara Lindqvist, arkitekt",
        ruleset=RULESET,
    )
    return dataclasses.replace(base, **changes)
