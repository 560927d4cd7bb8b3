"""The demo data: one account per role and the case *Framtida vårdinformationssystem*."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from sqlalchemy import select

from assess.extensions import db
from assess.files import write_private
from assess.models import Alternative, Answer, Assessment, Case, CaseContact, CaseMember, Evidence, TeamRole, User
from assess.rulesets import RulesetPin
from assess.services import users as user_service
from assess.services.audit import record_event

DEMO_CASE_TITLE = "Framtida vårdinformationssystem"


@dataclass(frozen=True)
class DemoAccount:
    """A demo account as printed and written to instance/demo-accounts.txt."""

    username: str
    password: str
    role: str


#: (username, display name, roles, review areas, label for the accounts file)
DEMO_USERS = [
    ("arkitekt", "Anna Arkitekt", ["architect"], [], "architect"),
    ("jurist", "Johan Jurist", ["reviewer"], ["legal"], "reviewer:legal"),
    # A second legal reviewer: when Johan answers a legal question himself, four-eyes has Klara approve the area.
    ("jurist2", "Klara Jurist", ["reviewer"], ["legal"], "reviewer:legal"),
    ("infosak", "Ingrid Informationssäkerhet", ["reviewer"], ["infosec"], "reviewer:infosec"),
    ("patientsak", "Per Patientsäkerhet", ["reviewer"], ["patient_safety"], "reviewer:patient_safety"),
    ("beslutsfattare", "Beata Beslutsfattare", ["decision_maker"], [], "decision_maker"),
    ("admin", "Adam Administratör", ["admin"], [], "admin"),
    ("lasare", "Lisa Läsare", ["viewer"], [], "viewer"),
]

DEMO_CASE = {
    "title": DEMO_CASE_TITLE,
    "need_statement": (
        "Ett vårdinformationssystem för regionen, de 49 kommunernas hälso- och sjukvård och privata vårdgivare "
        "med avtal, efter pausen i införandet av Millennium. Alternativen jämförs med att stanna kvar i egen drift."
    ),
    "information_owner": "Hälso- och sjukvårdsdirektören (demo)",
    "decision_maker": "Regionstyrelsen, på regiondirektörens förslag (demo)",
}

#: The case team: (username, team role). The first legal reviewer named gets the legal questions by default.
DEMO_TEAM = [
    ("arkitekt", TeamRole.ARCHITECT),
    ("jurist", TeamRole.LEGAL),
    ("jurist2", TeamRole.LEGAL),
    ("infosak", TeamRole.INFOSEC),
    ("patientsak", TeamRole.PATIENT_SAFETY),
    ("beslutsfattare", TeamRole.DECISION_MAKER),
    ("beslutsfattare", TeamRole.INFORMATION_OWNER),
]
#: Contacts outside the region, by the alternative they answer for (fictitious people, .invalid addresses).
DEMO_CONTACTS = {
    "A – Oracle/Millennium i Oracle Cloud": (
        "Olivia Ek",
        "Cerner Sverige AB (Oracle)",
        "olivia.ek@oracle.example.invalid",
    ),
    "D – Hybrid/modulär": ("David Lund", "Leverantören av D1–D3 (demo)", "david.lund@leverantor.example.invalid"),
}

#: Alternatives and their modules (scopes); keys match the answer sets of the worked example.
DEMO_ALTERNATIVES = [
    {
        "name": "A – Oracle/Millennium i Oracle Cloud",
        "description": "Stanna inom Oracle-avtalet; Oracle driftar Millennium i Oracle Cloud Infrastructure.",
        "operating_model": "saas",
        "provider": "Cerner Sverige AB (Oracle)",
        "modules": [("A", "Hela alternativet", "Kärnjournal med fullständiga journaluppgifter, K3/R3/T3.")],
    },
    {
        "name": "B – Nordisk journalleverantör som SaaS",
        "description": "En nordisk journalleverantör levererar sin produkt som SaaS från egna datacenter i Norden.",
        "operating_model": "saas",
        "provider": "Nordisk leverantör (ej vald)",
        "modules": [("B", "Hela alternativet", "Kärnjournal med fullständiga journaluppgifter, K3/R3/T3.")],
    },
    {
        "name": "C – Egen drift i regionens datacenter",
        "description": "Regionen driver leverantörens programvara i egna datacenter; leverantören har fjärrsupport.",
        "operating_model": "region_on_prem",
        "provider": "Leverantör ej vald",
        "modules": [("C", "Hela alternativet", "Kärnjournal med fullständiga journaluppgifter, K3/R3/T3.")],
    },
    {
        "name": "D – Hybrid/modulär",
        "description": ("Kärnjournalen i B eller C, kompletterad med omgivande moduler som bedöms var för sig."),
        "operating_model": "hybrid",
        "provider": "Flera leverantörer",
        "modules": [
            ("D1", "D1 – AI-diktering och transkribering", "SaaS från en USA-ägd leverantör."),
            (
                "D2",
                "D2 – Patientens e-tjänster",
                "Frontend i en EU-leverantörs moln, ingen amerikansk ägare.",
            ),
            (
                "D3",
                "D3 – Analys av pseudonymiserade journaldata",
                "PaaS hos en amerikansk hyperscaler med kundhållna nycklar.",
            ),
        ],
    },
]


# example-ehr.md starts every note with K (known from public sources), A (an assumption made for the example) or
# ? (unknown today). A reader of the questionnaire should not have to know that code, so it is spelt out, in the
# language the demo is loaded in. The notes themselves are English; demo_notes_sv.yaml holds them in Swedish.
NOTE_PREFIXES = {
    "sv": {"K": "Känt (offentliga källor)", "A": "Antagande i exemplet", "?": "Okänt i dag"},
    "en": {"K": "Known (public sources)", "A": "Assumption in the example", "?": "Unknown today"},
}
DEMO_NOTES_SV = Path(__file__).resolve().parent.parent / "demo_notes_sv.yaml"


@cache
def swedish_notes() -> dict[str, str]:
    """Return the Swedish text of every English note of the worked example (the text after its K/A/? code)."""
    data = yaml.safe_load(DEMO_NOTES_SV.read_text(encoding="utf-8")) or {}
    return {str(english): str(swedish) for english, swedish in data.items()}


def split_note(note: object) -> tuple[str | None, str]:
    """Return an example note's code (K, A, ? or None when it has none) and its text."""
    text = str(note or "").strip()
    code, _space, rest = text.partition(" ")
    if code not in NOTE_PREFIXES["sv"]:
        return None, text
    return code, rest.strip()


def demo_motivation(note: object, language: str = "sv") -> str:
    """Turn an example note such as ``"A EU-only support"`` into a motivation in the language.

    Swedish: ``"Antagande i exemplet: support enbart inom EU"`` (the note's text from demo_notes_sv.yaml; a note
    missing there keeps its English text). English: ``"Assumption in the example: EU-only support"``.
    """
    prefixes = NOTE_PREFIXES.get(language, NOTE_PREFIXES["sv"])
    code, text = split_note(note)
    if language != "en":
        text = swedish_notes().get(text, text) if text else text
    if code is None:
        return text
    label = prefixes[code]
    return f"{label}: {text}" if text else f"{label}."


def _accounts_file(instance_path: Path) -> Path:
    return instance_path / "demo-accounts.txt"


def _read_passwords(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    passwords = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            passwords[parts[0]] = parts[1]
    return passwords


def load_demo_accounts(instance_path: Path) -> list[DemoAccount]:
    """Create the demo accounts that are missing; return every demo account with its password."""
    path = _accounts_file(instance_path)
    known = _read_passwords(path)
    accounts = []
    for username, display_name, roles, areas, label in DEMO_USERS:
        existing = db.session.scalar(select(User).where(User.username == username))
        password = known.get(username)
        if existing is None:
            password = password or secrets.token_urlsafe(12)
            user_service.create_user(
                username=username,
                display_name=display_name,
                password=password,
                roles=roles,
                areas=areas,
                email=f"{username}@example.invalid",
            )
        accounts.append(DemoAccount(username, password or "(okänt – ändrat utanför demo)", label))
    write_private(path, "".join(f"{a.username} {a.password} {a.role}\n" for a in accounts).encode("utf-8"))
    path.chmod(0o600)
    return accounts


def load_demo_case(pin: RulesetPin, answer_sets: dict[str, dict[str, object]], language: str = "sv") -> Case:
    """Create the demo case with its alternatives, modules and answers, unless it exists already.

    The answers' motivations are written in the language ('sv' or 'en'); the rest of the case is Swedish.
    """
    case = db.session.scalar(select(Case).where(Case.title == DEMO_CASE_TITLE))
    if case is not None:
        return case
    architect = db.session.scalar(select(User).where(User.username == "arkitekt"))
    decider = db.session.scalar(select(User).where(User.username == "beslutsfattare"))
    case = Case(**DEMO_CASE, decision_maker_id=decider.id if decider else None)
    db.session.add(case)
    db.session.flush()
    record_event(None, "case", case.id, "case.create", None, {"title": case.title, "source": "demo"})
    for username, role in DEMO_TEAM:
        member = db.session.scalar(select(User).where(User.username == username))
        if member is not None:
            db.session.add(CaseMember(case_id=case.id, user_id=member.id, role=role))
            record_event(None, "case", case.id, "team.add", None, {"user": username, "role": role.value})
    for position, spec in enumerate(DEMO_ALTERNATIVES):
        alternative = Alternative(
            case_id=case.id,
            name=spec["name"],
            description=spec["description"],
            operating_model=spec["operating_model"],
            provider=spec["provider"],
            position=position,
        )
        db.session.add(alternative)
        db.session.flush()
        record_event(None, "alternative", alternative.id, "alternative.create", None, {"name": alternative.name})
        if spec["name"] in DEMO_CONTACTS:
            name, organisation, email = DEMO_CONTACTS[spec["name"]]
            db.session.add(
                CaseContact(
                    case_id=case.id, alternative_id=alternative.id, name=name, organisation=organisation, email=email
                )
            )
            record_event(None, "case", case.id, "contact.add", None, {"name": name, "organisation": organisation})
        for module_position, (key, scope, scope_description) in enumerate(spec["modules"]):
            assessment = Assessment(
                alternative_id=alternative.id,
                scope=scope,
                scope_description=scope_description,
                position=module_position,
                ruleset_id=pin.id,
                ruleset_version=pin.version,
                ruleset_sha256=pin.sha256,
                owner_id=architect.id if architect else None,
            )
            db.session.add(assessment)
            db.session.flush()
            answers = answer_sets.get(key, {})
            for question_id, raw in sorted(answers.items()):
                entry = raw if isinstance(raw, dict) else {"value": raw}
                db.session.add(
                    Answer(
                        assessment_id=assessment.id,
                        question_id=question_id,
                        value=entry.get("value"),
                        evidence=Evidence(str(entry.get("evidence") or "E1")),
                        motivation=demo_motivation(entry.get("note"), language),
                        changed_in_version=assessment.version,
                        updated_by_id=architect.id if architect else None,
                    )
                )
            db.session.flush()
            record_event(
                None,
                "assessment",
                assessment.id,
                "assessment.create",
                None,
                {"scope": scope, "ruleset": pin.label, "answers": len(answers), "source": "demo"},
                assessment_id=assessment.id,
            )
    return case
