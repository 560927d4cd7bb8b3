"""A scale database for benchmarks (issue 14): many cases and assessments, reproducible from a seed.

`generate(path_or_url, cases, assessments_per_case, seed)` migrates an empty database, loads the demo (its users and
rule set), then adds a few dozen users of every role and `cases` cases, each with alternatives, modules (one
assessment each), a team and contacts, through the services. The answers are drawn per question from the published
rule set (most answered with a motivation, some Okänt with an assignee from the case team and a due date, some of the
drafts' questions unanswered) and bulk-inserted with SQLAlchemy core, together with their `answer.save` audit events,
chained exactly as `record_event` chains them. The workflow states then go through the services: submit, start the
review, request changes, approve areas, decide (approve when the verdict allows it, else reject) with the frozen
record, so `flask records verify` passes on the result. The first REPORTS (100; BENCH_REPORTS) decisions store their
rendered report as a decision in the app does; rendering takes about a second each, so later decisions go through
the same `decisions.decide` without a stored report (as records from before stored reports are).

Every case draws from its own random generator (seed, case number), and each assessment's planned state follows
its position, so a small and a larger database with the same seed share their first cases exactly (the SQL-count
test compares them). `cached_database()` keeps the result under instance/bench/, keyed by seed, sizes, generator
version and alembic head, so a second `make bench-scale` reuses it.

    .venv/bin/python -m bench.scale_data [CASES [ASSESSMENTS_PER_CASE [SEED]]]   # generate (or reuse) and verify
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import insert, select, update

import rules
from assess.extensions import db
from assess.models import Answer, Assessment, AuditEvent, AuditHead, Evidence, TeamRole, User
from assess.models.types import utcnow
from assess.services import audit
from assess.services.audit import event_hash

#: Raise when the generated data changes: the cache key includes it.
GENERATOR_VERSION = 1
RULESET = "molnlamplighet"
PASSWORD = "correct horse battery staple"  # noqa: S105 - generated test accounts
#: Planned states, by an assessment's position (case number x assessments per case + module number), in a cycle of
#: ten: 40 % draft, 20 % submitted or in review, 10 % reviewed, 20 % decided, 10 % changes requested.
STATE_CYCLE = (
    "draft",
    "decided",
    "in_review",
    "draft",
    "reviewed",
    "changes_requested",
    "draft",
    "submitted",
    "decided",
    "draft",
)
#: The generated users: (username prefix, count, roles, areas).
USER_GROUPS = (
    ("skala-arkitekt", 12, ["architect"], []),
    ("skala-jurist", 5, ["reviewer"], ["legal"]),
    ("skala-infosak", 5, ["reviewer"], ["infosec"]),
    ("skala-patientsak", 5, ["reviewer"], ["patient_safety"]),
    ("skala-beslutsfattare", 6, ["decision_maker"], []),
    ("skala-lasare", 4, ["viewer"], []),
    ("skala-admin", 2, ["admin"], []),
)
FIRST_NAMES = tuple(
    [
        "Alma",
        "Axel",
        "Britt",
        "Carl",
        "Dana",
        "Elin",
        "Erik",
        "Frida",
        "Gustav",
        "Hanna",
        "Ida",
        "Jonas",
        "Karin",
        "Lars",
        "Maja",
        "Nils",
        "Olle",
        "Petra",
        "Rut",
        "Sara",
        "Tove",
        "Ulf",
        "Vera",
        "Vilhelm",
        "Åsa",
        "Örjan",
    ]
)
LAST_NAMES = tuple(
    [
        "Andersson",
        "Berg",
        "Carlsson",
        "Dahl",
        "Ek",
        "Fors",
        "Gran",
        "Holm",
        "Isaksson",
        "Jansson",
        "Karlsson",
        "Lind",
        "Månsson",
        "Nord",
        "Olsson",
        "Persson",
        "Sjöberg",
        "Strand",
        "Törnqvist",
        "Wallin",
        "Åberg",
        "Öhman",
    ]
)
NEEDS = (
    "Digitalt stöd för {what} i regionens verksamheter.",
    "Ersätta dagens lösning för {what}, som inte längre stöds av leverantören.",
    "En gemensam tjänst för {what} för sjukhusen och primärvården.",
)
WHATS = (
    "bokning av besök",
    "röststyrd dokumentation",
    "vårdplanering",
    "läkemedelsgenomgångar",
    "distansmonitorering",
    "bilddiagnostik",
    "provsvar",
    "kallelser",
    "journalanalys",
    "schemaläggning",
    "remisshantering",
    "egenmätning",
)
PROVIDERS = ("Nordmoln AB", "Vårdsystem Sverige AB", "EuroCloud GmbH", "US Hyperscale Inc.", "Regionens IT")
MODELS = ("saas", "paas", "iaas", "vendor_hosted", "region_on_prem", "hybrid")
MODULES = ("Kärnfunktion", "Patientens e-tjänster", "Integrationer", "Analys", "Mobilapp", "Administration")
MOTIVATIONS = (
    "Enligt leverantörens avtalsutkast, avsnitt {n}.",
    "Bekräftat vid möte med leverantören; minnesanteckningar i diariet.",
    "Framgår av leverantörens säkerhetsdokumentation (version {n}).",
    "Regionens egen bedömning efter workshop med verksamheten.",
    "Antagande tills vidare; ska bekräftas i upphandlingen.",
    "Uppgift från leverantörens webbplats, kontrollerad {n} dagar sedan.",
)
EVIDENCE = (Evidence.E1, Evidence.E2, Evidence.E2, Evidence.E3, Evidence.E3, Evidence.E4)
ANSWERS_PER_SAVE = 6
#: Decided records whose report is rendered and stored (about 1 s each); later ones are frozen without a stored
#: report, as records made before reports moved into the database are (BENCH_REPORTS overrides).
REPORTS = 100
COMMIT_EVERY = 25
#: The worked examples that a favourable completion makes suitable with conditions (D1 stays not suitable).
SUITABLE_EXAMPLES = ("A", "B", "C", "D2", "D3")


@dataclass
class Generated:
    """What was generated, and how long it took."""

    path: str
    cases: int
    assessments: int
    answers: int = 0
    events: int = 0
    states: dict[str, int] = field(default_factory=dict)
    decided_approved: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)


def make_bench_app(path_or_url: str | Path, instance: Path, **overrides: Any) -> Flask:
    """Return an app (test configuration) on a SQLite file or a database URL."""
    from tests.conftest import make_app

    text = str(path_or_url)
    url = text if "://" in text else f"sqlite:///{Path(text).resolve()}"
    instance.mkdir(parents=True, exist_ok=True)
    return make_app(Path(instance / "unused.sqlite3"), instance, SQLALCHEMY_DATABASE_URI=url, **overrides)


def planned_state(position: int) -> str:
    """Return the state an assessment at this position is taken to."""
    return STATE_CYCLE[position % len(STATE_CYCLE)]


def generate(
    path_or_url: str | Path,
    cases: int = 1000,
    assessments_per_case: int = 10,
    seed: int = 1,
    instance: Path | None = None,
    progress: bool = False,
    reports: int = REPORTS,
) -> Generated:
    """Build the scale database at path_or_url (an empty SQLite file path or a URL); return what was made."""
    from flask_migrate import upgrade

    started, cpu = time.perf_counter(), time.process_time()
    text = str(path_or_url)
    if instance is None:
        base = Path(text) if "://" not in text else Path(tempfile.mkdtemp(prefix="scale-"))
        instance = base.parent / (base.name + ".instance")
    app = make_bench_app(path_or_url, instance)
    result = Generated(text, cases, cases * assessments_per_case)
    with app.app_context():
        upgrade()
        loaded = app.test_cli_runner().invoke(args=["demo", "load"])
        if loaded.exit_code != 0:
            raise RuntimeError(loaded.output)
        phase = time.perf_counter()
        users = _create_users(seed)
        db.session.commit()
        ruleset = rules.load_published(RULESET)
        examples = _example_sets()
        plans = []
        for number in range(cases):
            plans.append(_create_case(number, assessments_per_case, seed, users))
            if number % COMMIT_EVERY == COMMIT_EVERY - 1:
                db.session.commit()
                _say(progress, f"cases {number + 1}/{cases}")
        db.session.commit()
        result.phases["cases, teams, assessments"] = time.perf_counter() - phase
        phase = time.perf_counter()
        for chunk in _chunks(plans, COMMIT_EVERY):
            answers, events = _insert_answers(chunk, ruleset, examples, seed)
            result.answers += answers
            result.events += events
            db.session.commit()
            _say(progress, f"answers: case {chunk[-1].number + 1}/{cases}")
        result.phases["answers and their audit events (core)"] = time.perf_counter() - phase
        phase = time.perf_counter()
        done = 0
        reports_left = [reports]
        for plan in plans:
            for module in plan.modules:
                approved = _run_workflow(module, plan, ruleset, reports_left)
                result.states[module.state] = result.states.get(module.state, 0) + 1
                result.decided_approved += approved
                done += 1
                if done % COMMIT_EVERY == 0:
                    db.session.commit()
                    db.session.expunge_all()
                    _say(progress, f"workflow {done}/{result.assessments}")
        db.session.commit()
        result.phases["workflow through the services"] = time.perf_counter() - phase
        result.events = int(db.session.scalar(select(AuditHead.seq)) or 0)
        db.session.remove()
        db.engine.dispose()
    result.seconds = time.perf_counter() - started
    result.cpu_seconds = time.process_time() - cpu
    return result


def _say(enabled: bool, text: str) -> None:
    if enabled:
        print(f"   … {text}", flush=True)


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _example_sets() -> dict[str, dict[str, dict[str, Any]]]:
    from assess.rulesets import registry

    return {
        key: {qid: raw if isinstance(raw, dict) else {"value": raw} for qid, raw in answers.items()}
        for key, answers in registry().example_answer_sets().items()
    }


# --- users, cases, teams ----------------------------------------------------------------------------------------


def _create_users(seed: int) -> dict[str, list[User]]:
    from assess.services import users as user_service

    rng = random.Random(f"{seed}-users")
    by_role: dict[str, list[User]] = {}
    for prefix, count, roles, areas in USER_GROUPS:
        for n in range(1, count + 1):
            username = f"{prefix}-{n:02d}"
            user = user_service.create_user(
                username=username,
                display_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} ({n:02d})",
                password=PASSWORD,
                roles=roles,
                areas=areas,
                email=f"{username}@example.invalid",
            )
            by_role.setdefault(prefix.removeprefix("skala-"), []).append(user)
    return by_role


@dataclass
class ModulePlan:
    """One generated assessment and the state it is taken to."""

    assessment_id: int
    position: int
    state: str
    owner_id: int


@dataclass
class CasePlan:
    """One generated case: its team (user ids by team role), contacts and modules."""

    number: int
    case_id: int
    team: dict[TeamRole, list[int]]
    member_names: dict[int, str]
    contacts: dict[int, list[tuple[int, str]]]
    modules: list[ModulePlan] = field(default_factory=list)


def _create_case(number: int, per_case: int, seed: int, users: dict[str, list[User]]) -> CasePlan:
    from assess.services import assessments as assessment_service
    from assess.services import cases as case_service
    from assess.services import team as team_service

    rng = random.Random(f"{seed}-case-{number}")
    architects = rng.sample(users["arkitekt"], 2)
    owner = architects[0]
    what = rng.choice(WHATS)
    case = case_service.create_case(
        {
            "title": f"Ärende {number + 1:04d}: {what.capitalize()}",
            "need_statement": rng.choice(NEEDS).format(what=what),
            "information_owner": "Verksamhetschef (genererad)",
            "decision_maker": "Regiondirektören (genererad)",
        },
        owner,
    )
    decider = rng.choice(users["beslutsfattare"])
    case.decision_maker_id = decider.id
    team: dict[TeamRole, list[int]] = {TeamRole.ARCHITECT: [owner.id]}
    members = [
        (architects[1], TeamRole.ARCHITECT),
        (rng.choice(users["jurist"]), TeamRole.LEGAL),
        (rng.choice(users["infosak"]), TeamRole.INFOSEC),
        (rng.choice(users["patientsak"]), TeamRole.PATIENT_SAFETY),
        (decider, TeamRole.DECISION_MAKER),
        (decider, TeamRole.INFORMATION_OWNER),
    ]
    names = {owner.id: owner.display_name}
    for user, role in members:
        team_service.add_member(case, user.id, role.value, owner)
        team.setdefault(role, []).append(user.id)
        names[user.id] = user.display_name
    alternatives = []
    for position in range(max(1, min(per_case, rng.randint(2, 4)))):
        provider = rng.choice(PROVIDERS)
        alternatives.append(
            case_service.create_alternative(
                case,
                {
                    "name": f"{chr(65 + position)} – {provider}",
                    "description": f"{provider} levererar {what}.",
                    "operating_model": rng.choice(MODELS),
                    "provider": provider,
                },
                owner,
            )
        )
        db.session.expire(case, ["alternatives"])  # as the next request would see it
    contacts: dict[int, list[tuple[int, str]]] = {}
    for alternative in alternatives:
        if rng.random() < 0.6:
            contact = team_service.add_contact(
                case,
                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                alternative.provider,
                f"kontakt{alternative.id}@leverantor.example.invalid",
                alternative.id,
                owner,
            )
            contacts.setdefault(alternative.id, []).append((contact.id, contact.label))
    plan = CasePlan(number, case.id, team, names, contacts)
    for k in range(per_case):
        alternative = alternatives[k % len(alternatives)]
        index = k // len(alternatives)
        scope = "Hela alternativet" if index == 0 else f"Modul {index}: {MODULES[(index - 1) % len(MODULES)]}"
        assessment = assessment_service.start_assessment(alternative, scope, owner, f"Genererad modul {k + 1}.")
        db.session.expire(alternative, ["assessments"])
        position = number * per_case + k
        plan.modules.append(ModulePlan(assessment.id, position, planned_state(position), owner.id))
    return plan


# --- answers (bulk) ---------------------------------------------------------------------------------------------


def _draw_answers(
    rng: random.Random,
    ruleset: rules.RuleSet,
    examples: dict[str, dict[str, dict[str, Any]]],
    state: str,
) -> dict[str, dict[str, Any]]:
    """Return answers by question: a worked example's answers varied per question, Okänt and gaps included."""
    drawn: dict[str, dict[str, Any]] = {}
    if state == "decided" and rng.random() < 0.6:
        # Most decided modules were worked until suitable: a worked example's answers, the open ones completed
        # favourably (every example but D1 then comes out suitable with conditions).
        example = examples[rng.choice(SUITABLE_EXAMPLES)]
        drawn = {qid: {"value": a["value"], "evidence": str(a.get("evidence") or "E2")} for qid, a in example.items()}
        answers = {qid: rules.Answer(a["value"], a["evidence"]) for qid, a in drawn.items()}
        completion = rules.favourable_completion(ruleset, answers)
        for qid, proposed in completion.proposed.items():
            drawn[qid] = {"value": proposed.value, "evidence": proposed.evidence}
        return drawn
    example = examples[rng.choice(sorted(examples))]
    for question in ruleset.questions:
        if state == "draft" and rng.random() < 0.12:
            continue  # not answered yet
        base = example.get(question.id)
        if question.type == "text":
            value: Any = f"{question.id}: beskrivning från leverantören, version {rng.randint(1, 9)}."
        elif rng.random() < 0.07:
            value = "unknown"
        elif base is not None and base.get("value") is not None and rng.random() < 0.75:
            value = base["value"]
        else:
            options = [o.id for o in question.options if o.id != "unknown"]
            value = rng.choice(options) if options else "unknown"
        evidence = str(base.get("evidence") or "E2") if base and rng.random() < 0.5 else rng.choice(EVIDENCE).value
        drawn[question.id] = {"value": value, "evidence": evidence}
    return drawn


def _insert_answers(
    plans: list[CasePlan], ruleset: rules.RuleSet, examples: dict[str, dict[str, dict[str, Any]]], seed: int
) -> tuple[int, int]:
    """Insert the answers of the cases' assessments and one `answer.save` event each; return (answers, events)."""
    session = db.session()
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    seq, prev = int(head.seq), str(head.hash)
    today = date.today()
    answer_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    names = {u.id: u.display_name for u in session.scalars(select(User))}
    for plan in plans:
        rng = random.Random(f"{seed}-answers-{plan.number}")
        people = sorted(plan.member_names)
        alternative_of = dict(
            session.execute(
                select(Assessment.id, Assessment.alternative_id).where(
                    Assessment.id.in_([m.assessment_id for m in plan.modules])
                )
            ).all()
        )
        for module in plan.modules:
            drawn = _draw_answers(rng, ruleset, examples, module.state)
            owner_name = names[module.owner_id]
            version = 1
            for n, question in enumerate(q for q in ruleset.questions if q.id in drawn):
                if n % ANSWERS_PER_SAVE == 0:
                    version += 1
                given = drawn[question.id]
                assignee_user, assignee_contact, unknown_owner, due, key = None, None, "", None, ""
                if given["value"] == "unknown":
                    contacts = plan.contacts.get(alternative_of[module.assessment_id], [])
                    if contacts and question.answered_by == "provider" and rng.random() < 0.5:
                        assignee_contact, unknown_owner = contacts[0]
                        key = f"c:{assignee_contact}"
                    else:
                        assignee_user = rng.choice(people)
                        key = f"u:{assignee_user}"
                        unknown_owner = plan.member_names[assignee_user]
                    due = today + timedelta(days=rng.randint(-30, 120))
                motivation = rng.choice(MOTIVATIONS).format(n=rng.randint(2, 60))
                at = utcnow()
                answer_rows.append(
                    {
                        "assessment_id": module.assessment_id,
                        "question_id": question.id,
                        "value": given["value"],
                        "evidence": Evidence(given["evidence"]),
                        "motivation": motivation,
                        "evidence_ref": f"Dnr RS {2025 + rng.randint(0, 1)}-{rng.randint(100, 9999)}",
                        "unknown_owner": unknown_owner,
                        "unknown_due": due,
                        "assignee_user_id": assignee_user,
                        "assignee_contact_id": assignee_contact,
                        "changed_in_version": version,
                        "updated_by_id": module.owner_id,
                        "updated_at": at,
                    }
                )
                after = {
                    "question": question.id,
                    "value": given["value"],
                    "evidence": given["evidence"],
                    "motivation": motivation,
                    "evidence_ref": answer_rows[-1]["evidence_ref"],
                    "unknown_owner": unknown_owner,
                    "unknown_due": due.isoformat() if due else None,
                    "assignee": key,
                }
                fields = {
                    "at": at,
                    "actor_id": module.owner_id,
                    "actor_name": owner_name,
                    "entity_type": "answer",
                    "entity_id": None,
                    "assessment_id": module.assessment_id,
                    "action": "answer.save",
                    "before": None,
                    "after": after,  # already as it reads back from JSON (str, int, None)
                }
                seq += 1
                digest = event_hash(prev, seq, fields)
                event_rows.append({"seq": seq, "prev_hash": prev, "hash": digest, **fields})
                prev = digest
            versions.append({"b_id": module.assessment_id, "b_version": version})
    if answer_rows:
        session.execute(insert(Answer.__table__), answer_rows)
        session.execute(insert(AuditEvent.__table__), event_rows)
        table = Assessment.__table__
        from sqlalchemy import bindparam

        session.execute(
            update(table).where(table.c.id == bindparam("b_id")).values(version=bindparam("b_version")),
            versions,
        )
    audit.forget_head(session)
    _refresh_summaries([v["b_id"] for v in versions])
    return len(answer_rows), len(event_rows)


def _refresh_summaries(assessment_ids: list[int]) -> None:
    """Store the evaluation summaries the lists read (the app's own write-through misses core inserts)."""
    try:
        from assess.services import summaries
    except ImportError:  # a checkout from before summaries
        return
    refresh = getattr(summaries, "refresh", None)
    if refresh is not None and assessment_ids:
        refresh(list(db.session.scalars(select(Assessment).where(Assessment.id.in_(assessment_ids)))))


# --- workflow (services) ----------------------------------------------------------------------------------------


def _run_workflow(module: ModulePlan, plan: CasePlan, ruleset: rules.RuleSet, reports_left: list[int]) -> int:
    """Take one assessment to its planned state through the services; return 1 when approved by a decision."""
    from assess.services import decisions, workflow
    from assess.services import review as review_service
    from assess.services.evaluation import ruleset_for
    from assess.services.review_queries import decide_and_store

    if module.state == "draft":
        return 0
    assessment = db.session.get(Assessment, module.assessment_id)
    assert assessment is not None
    owner = db.session.get(User, module.owner_id)
    assert owner is not None

    def member(role: TeamRole) -> User:
        user = db.session.get(User, plan.team[role][0])
        assert user is not None
        return user

    reviewers = {
        "legal": member(TeamRole.LEGAL),
        "infosec": member(TeamRole.INFOSEC),
        "patient_safety": member(TeamRole.PATIENT_SAFETY),
    }
    workflow.submit(assessment, owner)
    if module.state == "submitted":
        return 0
    if module.state == "changes_requested":
        review_service.request_changes(
            assessment, reviewers["legal"], "legal", "Komplettera underlaget om överföring till tredjeland."
        )
        return 0
    evaluation = workflow.evaluation_with_overrides(assessment)
    needed = [area.value for area in workflow.required_areas(evaluation, ruleset_for(assessment))]
    if module.state == "in_review":
        review_service.approve_area(assessment, reviewers[needed[0]], needed[0], "Inga invändningar.")
        return 0
    for area in needed:
        review_service.approve_area(assessment, reviewers[area], area, "Inga invändningar.")
    if module.state == "reviewed":
        return 0
    today = date.today()
    decider = member(TeamRole.DECISION_MAKER)
    # The first decided records store their rendered report (decide_and_store); the others are decided through
    # the same service without one (rendering costs about a second each).
    with_report = reports_left[0] > 0
    reports_left[0] -= 1

    def decide(outcome: str, risks: str, review: date | None, terms: list[decisions.ConditionInput]) -> None:
        if with_report:
            decide_and_store(assessment, decider, outcome, risks, review, terms, today)
        else:
            decisions.decide(assessment, decider, outcome, risks, review, terms, today)

    if evaluation.verdict in decisions.APPROVABLE:
        conditions = [
            decisions.ConditionInput(qid, owner.id, None, "before_go_live")
            for qid, _kind, _mitigations in decisions.conditions_to_set(evaluation)
        ]
        decide(
            "approved", "Kvarstående risker enligt granskningen, accepterade.", today + timedelta(days=365), conditions
        )
        return 1
    decide("rejected", "Ej lämplig enligt bedömningen.", None, [])
    return 0


# --- the cache --------------------------------------------------------------------------------------------------


def alembic_head() -> str:
    """Return the newest migration's revision id."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import assess

    config = Config()
    config.set_main_option("script_location", str(Path(assess.__file__).parent / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    return str(head)


def cache_folder() -> Path:
    """Return instance/bench/ of the checkout."""
    return Path(__file__).resolve().parent.parent / "instance" / "bench"


def cached_database(
    cases: int, assessments_per_case: int = 10, seed: int = 1, progress: bool = True
) -> tuple[Path, Generated | None]:
    """Return the cached scale database for these sizes (generating it first when missing) and, when it was just
    generated, what was made."""
    folder = cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    reports = int(os.environ.get("BENCH_REPORTS", str(REPORTS)))
    extra = "" if reports == REPORTS else f"-r{reports}"
    name = f"scale-s{seed}-c{cases}-a{assessments_per_case}{extra}-g{GENERATOR_VERSION}-{alembic_head()}.sqlite3"
    path = folder / name
    if path.exists():
        return path, None
    work = Path(tempfile.mkdtemp(prefix="generating-", dir=folder))
    try:
        result = generate(
            work / name,
            cases,
            assessments_per_case,
            seed,
            instance=work / "instance",
            progress=progress,
            reports=reports,
        )
        for suffix in ("-wal", "-shm"):
            (work / (name + suffix)).unlink(missing_ok=True)
        os.replace(work / name, path)
        for stale in folder.glob(f"scale-s{seed}-c{cases}-a{assessments_per_case}{extra}-g*.sqlite3"):
            if stale != path:  # an older generator or schema: never read again
                stale.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return path, result


def verify(path: Path) -> tuple[bool, str]:
    """Run `records verify` on a copy's app; return (passed, its output)."""
    with tempfile.TemporaryDirectory() as tmp:
        app = make_bench_app(path, Path(tmp))
        with app.app_context():
            out = app.test_cli_runner().invoke(args=["records", "verify"])
            db.engine.dispose()
    return out.exit_code == 0, out.output


def describe(result: Generated) -> str:
    """Return what was generated, in one paragraph."""
    states = ", ".join(f"{k} {v}" for k, v in sorted(result.states.items()))
    phases = "; ".join(f"{k} {v:.1f} s" for k, v in result.phases.items())
    return (
        f"generated {result.cases} cases / {result.assessments} assessments ({states}; "
        f"{result.decided_approved} approved by decision), {result.answers} answers, {result.events} audit events "
        f"in {result.seconds:.1f} s, {result.cpu_seconds:.1f} s of CPU ({phases})"
    )


def sizes_from_env() -> tuple[int, int, int]:
    """Return (cases, assessments per case, seed) from BENCH_CASES, BENCH_ASSESSMENTS_PER_CASE, BENCH_SEED."""
    return (
        int(os.environ.get("BENCH_CASES", "1000")),
        int(os.environ.get("BENCH_ASSESSMENTS_PER_CASE", "10")),
        int(os.environ.get("BENCH_SEED", "1")),
    )


def main(argv: list[str] | None = None) -> None:
    """Generate (or reuse) the scale database of the sizes asked for, and verify it."""
    args = [int(a) for a in (argv or [])]
    cases, per_case, seed = sizes_from_env()
    cases, per_case, seed = (args + [cases, per_case, seed][len(args) :])[:3]
    started = time.perf_counter()
    path, result = cached_database(cases, per_case, seed)
    if result is None:
        print(f"scale database (cached): {path.name}, {path.stat().st_size // 2**20} MiB", flush=True)
    else:
        print(describe(result), flush=True)
        print(f"scale database: {path.name}, {path.stat().st_size // 2**20} MiB", flush=True)
    verify_started = time.perf_counter()
    ok, output = verify(path)
    last = next((line for line in output.splitlines() if line.strip()), "")
    print(f"records verify: {'passed' if ok else 'FAILED'} in {time.perf_counter() - verify_started:.1f} s: {last}")
    if not ok:
        print(output)
    print(f"({time.perf_counter() - started:.1f} s in all)")


if __name__ == "__main__":
    main(sys.argv[1:])
