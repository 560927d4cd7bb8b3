"""Assessments: starting one, reading it, and saving answers with optimistic concurrency."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload, selectinload
from sqlalchemy.orm.exc import StaleDataError

import rules
from assess.extensions import db
from assess.i18n import _, language
from assess.i18n import text as rule_text
from assess.models import Alternative, Answer, Assessment, AssessmentStatus, Evidence, Role, User
from assess.models.types import utcnow
from assess.rulesets import registry
from assess.services import notifications
from assess.services.audit import record_event
from assess.services.completion import Favourable
from assess.services.completion import favourable as favourable_of
from assess.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from assess.services.evaluation import EngineInput, engine_input, evaluate_assessment, ruleset_for
from assess.services.team import OPEN_STATES, Team, answerable_questions, is_open_question, may_edit_all, team_of
from rules.model import NOT_APPLICABLE, UNKNOWN_OPTION

MAX_TEXT = 5000
MAX_REF = 500
MAX_OWNER = 200
EDITABLE_STATUSES = {AssessmentStatus.DRAFT}


@dataclass(frozen=True)
class AnswerInput:
    """What a user gives for one question: the value and its evidence and notes."""

    value: Any = None
    evidence: str = "E1"
    motivation: str = ""
    evidence_ref: str = ""
    #: Who finds out an open question: the picked assignee's key ("u:<id>", "c:<id>"), "" for the team's default.
    unknown_owner: str = ""
    unknown_due: date | None = None

    def key(self) -> tuple[Any, ...]:
        """Return the fields that make up a change, for comparison."""
        return (self.value, self.evidence, self.motivation, self.evidence_ref, self.unknown_owner, self.unknown_due)


@dataclass(frozen=True)
class OtherChange:
    """An answer someone else saved after the caller loaded the assessment."""

    question_id: str
    title: str
    value_label: str
    evidence: str
    by: str
    at: datetime
    by_id: int | None = None


def answer_digest(given: AnswerInput) -> str:
    """Return a short fingerprint of an answer, to tell later which answers a user changed on their page."""
    text = json.dumps(given.key(), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def encode_digests(digests: Mapping[str, str]) -> str:
    """Return the fingerprints of a page's answers as one hidden-field value ("G-01:ab12...;G-02:...")."""
    return ";".join(f"{qid}:{d}" for qid, d in sorted(digests.items()))


def decode_digests(raw: str | None) -> dict[str, str] | None:
    """Read the fingerprints back; None when missing or malformed (then the stored answers are the base)."""
    if not raw:
        return None
    result = {}
    for part in raw.split(";"):
        qid, sep, digest = part.partition(":")
        if not sep or not qid or len(digest) != 16:
            return None
        result[qid] = digest
    return result


def page_digests(answers: Iterable[Answer], question_ids: Iterable[str]) -> dict[str, str]:
    """Return the fingerprint of the stored answer (or of no answer) of every question on a page."""
    stored = {row.question_id: row for row in answers}
    return {qid: answer_digest(answer_input_of(stored.get(qid))) for qid in question_ids}


class SaveConflict(Conflict):
    """Someone (or the same user elsewhere) changed a question the caller changed too; nothing was written."""

    def __init__(
        self,
        changes: list[OtherChange],
        current_version: int,
        mine: frozenset[str] = frozenset(),
        current_digests: Mapping[str, str] | None = None,
        by_self: bool = False,
    ) -> None:
        super().__init__(
            _(
                "Du har själv ändrat samma fråga i en annan flik eller ett annat fönster efter att sidan öppnades. "
                "Dina ändringar är inte sparade men finns kvar i formuläret: ladda om för att se det som är sparat, "
                "eller spara igen för att medvetet behålla dina värden."
            )
            if by_self
            else _(
                "Någon annan har ändrat samma fråga efter att sidan öppnades. Dina ändringar är inte sparade men "
                "finns kvar i formuläret: ladda om för att se det som är sparat, eller spara igen för att medvetet "
                "behålla dina värden."
            )
        )
        self.changes = changes
        self.current_version = current_version
        #: The questions the caller changed on their page (their values are kept in the form).
        self.mine = mine
        #: The stored fingerprints of the questions in conflict (saving over them deliberately starts from these).
        self.current_digests = dict(current_digests or {})
        self.by_self = by_self


class SaveRaced(Conflict):
    """Another save of the same assessment committed between reading and writing; the save may simply be retried."""


@dataclass(frozen=True)
class SaveResult:
    """The outcome of a save: what was written, and what the page must know to stay honest."""

    changed: tuple[str, ...]
    version: int
    #: The stored fingerprint of every question the page changed (its new base for those questions).
    digests: dict[str, str] = field(default_factory=dict)
    #: Answers on the page that someone else changed since the page loaded them (the page shows old values).
    stale: tuple[OtherChange, ...] = ()

    @property
    def in_sync(self) -> bool:
        """Tell whether the page now shows every stored answer of its questions (it may take the new version)."""
        return not self.stale


def answer_input_of(row: Answer | None) -> AnswerInput:
    """Return the stored answer as an AnswerInput (empty when unanswered)."""
    if row is None:
        return AnswerInput()
    return AnswerInput(
        value=row.value,
        evidence=row.evidence.value,
        motivation=row.motivation,
        evidence_ref=row.evidence_ref,
        unknown_owner=assignee_key(row),
        unknown_due=row.unknown_due,
    )


def assignee_key(row: Answer) -> str:
    """Return the key of the answer's picked assignee ("u:<id>", "c:<id>"), or "" for the team's default."""
    if row.assignee_user_id is not None:
        return f"u:{row.assignee_user_id}"
    if row.assignee_contact_id is not None:
        return f"c:{row.assignee_contact_id}"
    return ""


def get_assessment(assessment_id: int, authors: bool = True, answers: bool = True) -> Assessment:
    """Return an assessment with its alternative, case, owner and answers loaded, or raise NotFound.

    `authors`: load who last saved each answer too (a save names them in a conflict; the page shows none).
    `answers`: load the answers and overrides (a page that shows only the module's name, as the history, needs none).
    """
    assessment = db.session.scalar(_assessment_query(authors, answers), {"assessment_id": assessment_id})
    if assessment is None:
        raise NotFound(_("Bedömning %(id)s finns inte.", id=assessment_id))
    return assessment


@functools.cache
def _assessment_query(authors: bool, answers: bool) -> Select[Assessment]:
    """Return the statement get_assessment runs, built once per process with the module's id as a parameter.

    Building it (the select, its loader options and their cache key) cost as much as running it: about a millisecond
    of every page that shows a module (issue 14).
    """
    # The people are loaded for their names; their roles only when something asks (a user's roles are otherwise
    # loaded with the user, one more query per path, and that was half of loading the page's assessment).
    options: list[Any] = [
        joinedload(Assessment.alternative).joinedload(Alternative.case),
        joinedload(Assessment.owner).lazyload(User.role_rows),
    ]
    if answers:
        options += [
            selectinload(Assessment.answers).options(
                joinedload(Answer.updated_by).lazyload(User.role_rows) if authors else lazyload(Answer.updated_by),
                joinedload(Answer.assignee_user).lazyload(User.role_rows),
                joinedload(Answer.assignee_contact),
            ),
            selectinload(Assessment.overrides),
        ]
    return select(Assessment).where(Assessment.id == bindparam("assessment_id")).options(*options)


def can_edit(user: User, assessment: Assessment) -> bool:
    """Tell whether the user may change every answer of the assessment now (an architect or admin, on a draft)."""
    return user.has_role(Role.ARCHITECT, Role.ADMIN) and assessment.status in EDITABLE_STATUSES


def start_assessment(alternative: Alternative, scope: str, actor: User, description: str = "") -> Assessment:
    """Start an assessment of an alternative for a scope, pinned to the newest published rule set."""
    scope = scope.strip()
    problems = {}
    if not scope:
        problems["scope"] = _("Ange omfattningen (modulen) som bedöms.")
    elif len(scope) > 200:
        problems["scope"] = _("Högst %(max)s tecken.", max=200)
    elif any(a.scope.casefold() == scope.casefold() for a in alternative.assessments):
        problems["scope"] = _("Alternativet har redan en bedömning med omfattningen %(scope)s.", scope=repr(scope))
    if len(description) > MAX_TEXT:
        problems["description"] = _("Högst %(max)s tecken.", max=MAX_TEXT)
    if problems:
        raise ValidationFailed(*problems.values(), fields=problems)
    pin = registry().newest_pin()
    assessment = Assessment(
        alternative_id=alternative.id,
        scope=scope,
        scope_description=description.strip(),
        position=len(alternative.assessments),
        ruleset_id=pin.id,
        ruleset_version=pin.version,
        ruleset_sha256=pin.sha256,
        owner_id=actor.id,
    )
    db.session.add(assessment)
    db.session.flush()
    record_event(
        actor,
        "assessment",
        assessment.id,
        "assessment.create",
        None,
        {"scope": scope, "ruleset": pin.label, "alternative": alternative.name},
        assessment_id=assessment.id,
    )
    return assessment


def validate_inputs(
    ruleset: rules.RuleSet,
    inputs: dict[str, AnswerInput],
    team: Team | None = None,
    assessment: Assessment | None = None,
) -> dict[str, str]:
    """Return problems by form field name (q_<id>, q_<id>_evidence, ...); empty when all is valid.

    A picked assignee must be someone the case's team offers (checked only when a team is given)."""
    problems: dict[str, str] = {}
    for qid, given in inputs.items():
        question = ruleset.by_id.get(qid)
        if question is None:
            problems[f"q_{qid}"] = _("Okänd fråga %(question)s.", question=qid)
            continue
        if rules.answers.check_value(question, given.value) is not None:
            problems[f"q_{qid}"] = _("Välj ett av svarsalternativen.")
        if given.value is not None and question.type == "text" and len(str(given.value)) > MAX_TEXT:
            problems[f"q_{qid}"] = _("Högst %(max)s tecken.", max=MAX_TEXT)
        if given.evidence not in Evidence.__members__:
            problems[f"q_{qid}_evidence"] = _("Välj en underlagsnivå E0–E4.")
        if len(given.motivation) > MAX_TEXT:
            problems[f"q_{qid}_motivation"] = _("Högst %(max)s tecken.", max=MAX_TEXT)
        if len(given.evidence_ref) > MAX_REF:
            problems[f"q_{qid}_ref"] = _("Högst %(max)s tecken.", max=MAX_REF)
        if len(given.unknown_owner) > MAX_OWNER:
            problems[f"q_{qid}_owner"] = _("Högst %(max)s tecken.", max=MAX_OWNER)
        elif given.unknown_owner and (
            team is None or assessment is None or team.resolve(given.unknown_owner, assessment) is None
        ):
            problems[f"q_{qid}_owner"] = _("Välj någon i ärendets team eller en av ärendets kontakter.")
    return problems


def changes_since(assessment: Assessment, version: int, ruleset: rules.RuleSet) -> list[OtherChange]:
    """Return the answers saved after the given version, by catalogue order."""
    changes = []
    for row in assessment.answers:
        if row.changed_in_version > version and row.question_id in ruleset.by_id:
            question = ruleset.by_id[row.question_id]
            label = _("Obesvarad") if row.value is None else question.label(row.value, language())
            changes.append(
                OtherChange(
                    row.question_id,
                    rule_text(question.title),
                    label,
                    row.evidence.value,
                    row.updated_by.display_name if row.updated_by else _("okänd"),
                    row.updated_at,
                    row.updated_by_id,
                )
            )
    return sorted(changes, key=lambda c: ruleset.by_id[c.question_id].index)


def save_answers(
    assessment: Assessment,
    inputs: dict[str, AnswerInput],
    base_version: int,
    actor: User,
    base: Mapping[str, str] | None = None,
) -> SaveResult:
    """Save exactly the answers the user changed; refuse, writing nothing, when one of them changed meanwhile.

    `base` holds the fingerprints of the answers as the user's page showed them. A question counts as changed by
    the user when the page's value differs from the page's own fingerprint, and is written only when the stored
    answer is still the one the page showed (compare and set, per question): so a page that is stale on other
    questions never writes those back, and a change made elsewhere to the same question is a conflict naming
    who made it, never silently overwritten. Without fingerprints the page's version must be the current one.
    """
    if assessment.status not in EDITABLE_STATUSES:
        raise Conflict(_("Bedömningen är inte ett utkast och kan inte ändras. Skapa en ny revision för att ändra den."))
    ruleset = ruleset_for(assessment)
    team = team_of(assessment.alternative.case)
    editor = may_edit_all(actor)
    answerable = set(ruleset.by_id) if editor else answerable_questions(actor, assessment, ruleset, team)
    if not answerable:
        raise PermissionDenied(
            _("Bara arkitekter och administratörer kan ändra svar, och var och en de frågor som är tilldelade dem.")
        )
    problems = validate_inputs(ruleset, inputs, team, assessment)
    if problems:
        raise ValidationFailed(*problems.values(), fields=problems)
    stored = {row.question_id: row for row in assessment.answers}
    current = {qid: answer_input_of(stored.get(qid)) for qid in inputs}
    now_digest = {qid: answer_digest(given) for qid, given in current.items()}
    empty = answer_digest(AnswerInput())
    if base is None:
        mine = {qid for qid, given in inputs.items() if given.key() != current[qid].key()}
        if mine and base_version != assessment.version:
            changes = changes_since(assessment, base_version, ruleset)
            raise SaveConflict(changes, assessment.version, frozenset(mine), by_self=_all_by(changes, actor))
        page = dict(now_digest)
    else:
        page = {qid: base.get(qid, empty) for qid in inputs}
        mine = {qid for qid, given in inputs.items() if answer_digest(given) != page[qid]}
        clashes = [qid for qid in mine if now_digest[qid] != page[qid] and inputs[qid].key() != current[qid].key()]
        if clashes:
            changes = _changes_of(assessment, ruleset, clashes)
            raise SaveConflict(
                changes,
                assessment.version,
                frozenset(mine),
                {qid: now_digest[qid] for qid in clashes},
                by_self=_all_by(changes, actor),
            )
    changed = sorted(
        (qid for qid in mine if inputs[qid].key() != current[qid].key()), key=lambda q: ruleset.by_id[q].index
    )
    refused = [qid for qid in changed if qid not in answerable]
    if refused:
        raise PermissionDenied(
            _(
                "Du kan bara besvara frågor som är tilldelade dig. Inte dina: %(questions)s.",
                questions=", ".join(refused),
            )
        )
    if not editor:
        # Whoever answers a question that is theirs does not re-assign it (the architect does).
        changed_assignee = [
            qid
            for qid in changed
            if inputs[qid].unknown_owner != current[qid].unknown_owner
            or inputs[qid].unknown_due != current[qid].unknown_due
        ]
        if changed_assignee:
            raise PermissionDenied(
                _(
                    "Bara arkitekten kan ändra vem som tar reda på en fråga. Frågor: %(questions)s.",
                    questions=", ".join(changed_assignee),
                )
            )
    stale = tuple(_changes_of(assessment, ruleset, [q for q in inputs if q not in mine and now_digest[q] != page[q]]))
    digests = {qid: answer_digest(inputs[qid]) for qid in mine}
    if not changed:
        return SaveResult((), assessment.version, digests, stale)
    now = utcnow()
    # Raise the version first: the UPDATE checks the version read (optimistic lock) before any answer is written.
    assessment.updated_at = now
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise SaveRaced(_("Någon annan sparade bedömningen samtidigt. Försök igen.")) from None
    new_version = assessment.version
    assigned: list[Answer] = []
    try:
        for qid in changed:
            given = inputs[qid]
            row = stored.get(qid)
            # The events name the person (as records do) and keep the picked key (what the page's fingerprint reads).
            before = (
                {
                    **_answer_dict(answer_input_of(row)),
                    "unknown_owner": row.unknown_owner,
                    "assignee": assignee_key(row),
                }
                if row
                else None
            )
            if row is None:
                row = Answer(assessment_id=assessment.id, question_id=qid)
                assessment.answers.append(row)
            previous_key = assignee_key(row) if row.id is not None else ""
            row.value = given.value
            row.evidence = Evidence(given.evidence)
            row.motivation = given.motivation
            row.evidence_ref = given.evidence_ref
            _set_assignee(row, given.unknown_owner, team, assessment)
            row.unknown_due = given.unknown_due
            if given.unknown_owner and given.unknown_owner != previous_key:
                assigned.append(row)
            row.changed_in_version = new_version
            row.updated_by_id = actor.id
            row.updated_at = now
            record_event(
                actor,
                "answer",
                None,
                "answer.save",
                before,
                {
                    "question": qid,
                    **_answer_dict(given),
                    "unknown_owner": row.unknown_owner,
                    "assignee": given.unknown_owner,
                },
                assessment_id=assessment.id,
            )
        db.session.flush()
        for row in assigned:
            notifications.on_assignment(
                assessment, row.question_id, row.assignee_user_id, row.assignee_contact_id, actor
            )
    except IntegrityError:
        # Two first answers to one question at once: the other one is stored; this save is tried again.
        db.session.rollback()
        raise SaveRaced(_("Någon annan sparade samma fråga samtidigt. Försök igen.")) from None
    return SaveResult(tuple(changed), new_version, digests, stale)


def _set_assignee(row: Answer, key: str, team: Team, assessment: Assessment) -> None:
    """Store the picked assignee (and their name as it is now, for records and reports), or the team's default.

    A free text stored before assignees were picked stays (shown as not assigned) until someone is picked.
    """
    choice = team.resolve(key, assessment) if key else None
    had_pick = row.assignee_user_id is not None or row.assignee_contact_id is not None
    row.assignee_user_id = choice.user_id if choice else None
    row.assignee_contact_id = choice.contact_id if choice else None
    if choice is not None:
        row.unknown_owner = choice.label.split(" (")[0] if choice.user_id else choice.label
    elif had_pick:
        row.unknown_owner = ""


def _changes_of(assessment: Assessment, ruleset: rules.RuleSet, question_ids: Iterable[str]) -> list[OtherChange]:
    """Return the stored answers of the given questions as changes someone made, in catalogue order."""
    stored = {row.question_id: row for row in assessment.answers}
    changes = []
    for qid in question_ids:
        row = stored.get(qid)
        question = ruleset.by_id[qid]
        label = _("Obesvarad") if row is None or row.value is None else question.label(row.value, language())
        changes.append(
            OtherChange(
                qid,
                rule_text(question.title),
                label,
                row.evidence.value if row is not None else "E1",
                row.updated_by.display_name if row is not None and row.updated_by else _("okänd"),
                row.updated_at if row is not None else assessment.updated_at,
                row.updated_by_id if row is not None else None,
            )
        )
    return sorted(changes, key=lambda c: ruleset.by_id[c.question_id].index)


def _all_by(changes: list[OtherChange], actor: User) -> bool:
    return bool(changes) and all(c.by_id == actor.id for c in changes)


def _answer_dict(given: AnswerInput) -> dict[str, Any]:
    return {
        "value": given.value,
        "evidence": given.evidence,
        "motivation": given.motivation,
        "evidence_ref": given.evidence_ref,
        "unknown_owner": given.unknown_owner,
        "unknown_due": given.unknown_due.isoformat() if given.unknown_due else None,
    }


@dataclass(frozen=True)
class AreaProgress:
    """Where one step stands, counted over its shown questions only (a hidden question counts nowhere).

    Every shown question is in exactly one of four counts, read from the evaluation (the engine has the last
    word; nothing here re-decides an answer):

    - ``answered`` (*besvarade*): the effective answer is known, i.e. a value at sufficient evidence;
    - ``unknown`` (*okända*): answered "unknown" (Okänt ännu), or answered with a value the engine treats as
      unknown of itself (``not_applicable`` where no rule of the question names it);
    - ``insufficient`` (*underlag saknas*): answered with a value, but the engine treats it as unknown because
      its evidence is too low: E0, or below the level the question requires for that answer (``min_evidence``);
    - ``unanswered`` (*obesvarade*): no answer (or an empty text).

    ``blocking`` is the number of shown questions whose outcome is ``UB`` (blocking unknown). It overlaps the
    four counts: a question whose own answer is known is still blocking when a rule it needs reads an unknown
    answer (possibly in another step).

    The step is **done** (*klar*) when it shows at least one question, every shown question is answered (known at
    sufficient evidence) and no outcome in the step is ``UB``. Knock-outs do not keep a step from being done:
    the step is answered, and the result panel shows the knock-out.
    """

    area: str
    answered: int = 0
    unknown: int = 0
    insufficient: int = 0
    unanswered: int = 0
    blocking: int = 0

    @property
    def shown(self) -> int:
        """Return the number of shown questions (the sum of the four counts)."""
        return self.answered + self.unknown + self.insufficient + self.unanswered

    @property
    def done(self) -> bool:
        """Tell whether the step is done: all shown questions known at sufficient evidence, no UB."""
        return self.shown > 0 and self.answered == self.shown and self.blocking == 0


def answer_state(result: rules.QuestionResult) -> str | None:
    """Return which progress count a question is in (see AreaProgress), or None when it is not shown.

    One of ``"answered"``, ``"unknown"``, ``"insufficient"`` or ``"unanswered"``.
    """
    if not result.shown:
        return None
    answer = result.answer
    if answer is None or answer.value is None or answer.value == "":
        return "unanswered"
    if result.effective != UNKNOWN_OPTION:
        return "answered"
    if answer.value in (UNKNOWN_OPTION, NOT_APPLICABLE):
        return "unknown"
    # A value was given and the engine still counts it as unknown: its evidence is E0 or below min_evidence.
    return "insufficient"


def progress(assessment: Assessment, evaluation: rules.Evaluation) -> list[AreaProgress]:
    """Return each step's counts (AreaProgress), in area order."""
    ruleset = ruleset_for(assessment)
    result = []
    for area in ruleset.areas:
        counts = dict.fromkeys(("answered", "unknown", "insufficient", "unanswered", "blocking"), 0)
        for qid in area.questions:
            question = evaluation.questions[qid]
            state = answer_state(question)
            if state is None:
                continue
            counts[state] += 1
            if question.outcome == "UB":
                counts["blocking"] += 1
        result.append(AreaProgress(area.id, **counts))
    return result


def next_step(ruleset: rules.RuleSet, area_id: str) -> str | None:
    """Return the id of the step (area) after the given one, in the rule set's order, or None on the last."""
    ids = [area.id for area in ruleset.areas]
    i = ids.index(area_id)
    return ids[i + 1] if i + 1 < len(ids) else None


@dataclass(frozen=True)
class QuestionnaireData:
    """Everything the questionnaire page shows, computed from one load of the assessment."""

    assessment: Assessment
    ruleset: rules.RuleSet
    evaluation: rules.Evaluation
    progress: list[AreaProgress]
    newer_ruleset: tuple[str, int] | None
    team: Team | None = None
    #: The engine's input the evaluation was made from (the favourable completion reads the same).
    given: EngineInput | None = None

    @cached_property
    def rows(self) -> dict[str, Answer]:
        """Return the stored answers by question id."""
        return {r.question_id: r for r in self.assessment.answers}

    def assignee(self, qid: str) -> Any:
        """Return who finds out a question (picked or the team's default), or None."""
        if self.team is None:
            return None
        return self.team.assignee(self.rows.get(qid), self.ruleset.by_id[qid], self.assessment)

    def legacy_owner(self, qid: str) -> str:
        """Return a free-text owner stored before assignees were picked (shown as "ej tilldelad"), or ""."""
        row = self.rows.get(qid)
        if row is None or row.assignee_user_id is not None or row.assignee_contact_id is not None:
            return ""
        return row.unknown_owner

    def has_overdue_condition(self, today: date) -> bool:
        """Tell whether a condition of the decision is past its deadline and not verified.

        Conditions are set only by a decision (`decisions.decide`), so only a decided module, or one its revision
        superseded, can have one: the questionnaire of any other asks the database nothing.
        """
        if self.assessment.status not in (AssessmentStatus.DECIDED, AssessmentStatus.SUPERSEDED):
            return False
        from assess.services.decisions import overdue_assessment_ids

        return self.assessment.id in overdue_assessment_ids(today, [self.assessment.id])

    def has_late_question(self, today: date) -> bool:
        """Tell whether an open question is past its due date, as `team.overdue_question_assessment_ids` finds it
        (an open assessment; unanswered or Okänt; hidden questions too), from the loaded answers."""
        return self.assessment.status in OPEN_STATES and any(
            row.unknown_due is not None and row.unknown_due < today and is_open_question(row)
            for row in self.assessment.answers
        )

    def answerable(self, user: User) -> set[str]:
        """Return the questions the user may answer on this page now."""
        return answerable_questions(user, self.assessment, self.ruleset, self.team)

    @property
    def total(self) -> AreaProgress:
        """Return the counts over every step (its ``area`` is empty); it is done when every step is."""
        return AreaProgress(
            "",
            sum(p.answered for p in self.progress),
            sum(p.unknown for p in self.progress),
            sum(p.insufficient for p in self.progress),
            sum(p.unanswered for p in self.progress),
            sum(p.blocking for p in self.progress),
        )

    @property
    def answered(self) -> int:
        """Return the number of shown questions answered with a known value at sufficient evidence."""
        return sum(p.answered for p in self.progress)

    @property
    def shown(self) -> int:
        """Return the number of shown questions."""
        return sum(p.shown for p in self.progress)

    def next_step(self, area_id: str) -> str | None:
        """Return the id of the step after the given one, or None on the last step."""
        return next_step(self.ruleset, area_id)

    def hidden_answered(self, area_id: str) -> list[str]:
        """Return the ids of the area's hidden questions that have a stored answer (kept, never counted)."""
        return [qid for qid in self.ruleset.area(area_id).questions if qid in self.evaluation.ignored_answers]

    @cached_property
    def favourable(self) -> Favourable:
        """Return what favourable answers to the open questions would give (pure, on the loaded answers)."""
        return favourable_of(self.assessment, given=self.given)


def load_questionnaire(assessment_id: int) -> QuestionnaireData:
    """Load an assessment and evaluate it, for the questionnaire page."""
    assessment = get_assessment(assessment_id, authors=False)
    return questionnaire_data(assessment)


def questionnaire_data(assessment: Assessment) -> QuestionnaireData:
    """Evaluate a loaded assessment and gather what its page shows."""
    given = engine_input(assessment)
    ruleset = given.ruleset
    evaluation = evaluate_assessment(assessment, given=given)
    newest = registry().newest(assessment.ruleset_id)
    newer = (newest.id, newest.version) if newest.version > assessment.ruleset_version else None
    return QuestionnaireData(
        assessment,
        ruleset,
        evaluation,
        progress(assessment, evaluation),
        newer,
        team_of(assessment.alternative.case, member_roles=False),
        given,
    )
