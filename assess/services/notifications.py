"""Notices and reminders by e-mail: who gets which, in their language, and never the same reminder twice.

Two ways out:

* **Notices of what just happened** (submitted, changes requested, reviewed, decided, an assignment made) are
  queued in the database session while the request runs and sent after its commit; a rollback discards them.
  A failed send is logged and never breaks the request (the change is committed already).
* **Reminders of what is due** (open questions due within 7 days or overdue, conditions due within 30 days or
  overdue, a decision's next review date reached) go out from `flask --app assess notify` (`send_due`), run
  daily. Each reminder has a key in `sent_notifications`; a reminder whose key is there is never sent again.

Every mail goes to an active user with an e-mail address who has not turned reminders off, never to the person
who acted, and says no more than what kind of notice it is (one sentence), the case's title and a link.
Contacts outside the region have no account: what concerns them goes to the assessment's owner (else its
team's architects), who keeps in touch with them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, event, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assess.extensions import db
from assess.i18n import DEFAULT, LANGUAGES, N_, _, in_language, ngettext
from assess.models import (
    Answer,
    Assessment,
    AssessmentStatus,
    Case,
    Decision,
    DecisionCondition,
    Role,
    SentNotification,
    TeamRole,
    User,
    UserRole,
)
from assess.models.types import utcnow
from assess.services.errors import DomainError
from assess.services.mail import (
    Mailer,
    MailError,
    MailSettings,
    OutgoingMail,
    absolute_url,
    configured_base_url,
    mail_settings,
)
from assess.services.team import OPEN_STATES, Team, is_open_question, team_of

log = logging.getLogger(__name__)

#: Where a transaction keeps its notices until the commit (session.info; dropped on rollback).
OUTBOX = "mail_outbox"
#: How far ahead open questions and conditions are reminded of.
ASSIGNMENT_AHEAD = timedelta(days=7)
CONDITION_AHEAD = timedelta(days=30)
REVIEWER_ROLES = (TeamRole.LEGAL, TeamRole.INFOSEC, TeamRole.PATIENT_SAFETY)


#: Every kind of mail and its subject (the Swedish texts are the catalogue's message ids).
SUBJECTS: dict[str, str] = {
    "submitted": N_("Bedömning att granska"),
    "changes_requested": N_("Ändringar begärda"),
    "reviewed": N_("Bedömning att besluta"),
    "decided": N_("Beslut fattat"),
    "assignment": N_("Fråga att ta reda på"),
    "assignment.contact": N_("Fråga till en kontakt"),
    "assignment.due7": N_("Påminnelse: öppna frågor"),
    "assignment.overdue": N_("Påminnelse: försenade frågor"),
    "condition.due30": N_("Påminnelse: villkor att uppfylla"),
    "condition.overdue": N_("Påminnelse: försenade villkor"),
    "review.due": N_("Dags för omprövning"),
    "reassessment": N_("Omprövning krävs"),
}


def sentence(kind: str, count: int = 1) -> str:
    """Return what a notice is, in one sentence in the current language (`count`: how many things it is about).

    Written out call by call so that the catalogue collects the plural forms with their singulars.
    """
    n = count
    texts: dict[str, Callable[[], str]] = {
        "submitted": lambda: _("En bedömning i ärendet har skickats in och väntar på granskning."),
        "changes_requested": lambda: _("En granskare har begärt ändringar i en bedömning i ärendet."),
        "reviewed": lambda: _("Alla områden i en bedömning i ärendet är godkända och bedömningen väntar på beslut."),
        "decided": lambda: _("Ett beslut har fattats om en bedömning i ärendet."),
        "assignment": lambda: ngettext(
            "Du har fått en fråga att ta reda på i en bedömning i ärendet.",
            "Du har fått %(num)s frågor att ta reda på i en bedömning i ärendet.",
            n,
        ),
        "assignment.contact": lambda: ngettext(
            "En fråga i en bedömning i ärendet har tilldelats en kontakt utanför regionen.",
            "%(num)s frågor i en bedömning i ärendet har tilldelats en kontakt utanför regionen.",
            n,
        ),
        "assignment.due7": lambda: ngettext(
            "En öppen fråga i en bedömning i ärendet ska vara besvarad inom sju dagar.",
            "%(num)s öppna frågor i en bedömning i ärendet ska vara besvarade inom sju dagar.",
            n,
        ),
        "assignment.overdue": lambda: ngettext(
            "En öppen fråga i en bedömning i ärendet har passerat sitt datum.",
            "%(num)s öppna frågor i en bedömning i ärendet har passerat sitt datum.",
            n,
        ),
        "condition.due30": lambda: ngettext(
            "Ett villkor i ett beslut i ärendet ska vara uppfyllt inom 30 dagar.",
            "%(num)s villkor i ett beslut i ärendet ska vara uppfyllda inom 30 dagar.",
            n,
        ),
        "condition.overdue": lambda: ngettext(
            "Ett villkor i ett beslut i ärendet har passerat sitt datum utan att vara uppfyllt.",
            "%(num)s villkor i ett beslut i ärendet har passerat sitt datum utan att vara uppfyllda.",
            n,
        ),
        "review.due": lambda: _("Datumet för nästa omprövning av ett beslut i ärendet har kommit."),
        "reassessment": lambda: _(
            "Ett beslut i ärendet behöver omprövas: ett faktum har ändrats eller ett svar har åldrats."
        ),
    }
    return texts[kind]()


#: Said when the mail goes to the owner because the person responsible is a contact without an account.
ON_BEHALF = N_("Den ansvarige är en kontakt utanför regionen utan konto, så meddelandet går till dig.")
CASE_LABEL = N_("Ärende")
FOOTER = N_("Du kan stänga av påminnelser med e-post på sidan Byt lösenord i Molnbedömning.")
#: The state an assessment moved to -> the notice it sends.
TRANSITION_KINDS = {
    AssessmentStatus.SUBMITTED: "submitted",
    AssessmentStatus.CHANGES_REQUESTED: "changes_requested",
    AssessmentStatus.REVIEWED: "reviewed",
    AssessmentStatus.DECIDED: "decided",
}


@dataclass(frozen=True)
class Recipient:
    """Whom a mail goes to: a user who wants reminders, with their language."""

    user_id: int
    username: str
    email: str
    language: str


@dataclass
class Notice:
    """One mail to be sent: its kind, recipient, case title and link, and the reminder keys it carries.

    `items` maps each thing the mail is about (an answer, a condition, ...) to its `sent_notifications` key;
    their number is the count the mail's sentence names.
    """

    kind: str
    recipient: Recipient
    assessment_id: int
    case_title: str
    link: str
    items: dict[str, str] = field(default_factory=dict)
    on_behalf: bool = False

    @property
    def count(self) -> int:
        """Return how many things the mail is about (at least one)."""
        return max(1, len(self.items))


@dataclass(frozen=True)
class Line:
    """One mail of a `notify` run, as the command prints it."""

    kind: str
    username: str
    link: str
    count: int


@dataclass
class NotifyReport:
    """What a `notify` run sent (or, dry, would send), what failed and how many reminders had gone out before."""

    sent: list[Line] = field(default_factory=list)
    failed: list[tuple[Line, str]] = field(default_factory=list)
    already_sent: int = 0


# --- recipients -------------------------------------------------------------------------------------------------


def recipient(user: User | None) -> Recipient | None:
    """Return the user as a recipient, or None for an inactive user, one without e-mail or with reminders off."""
    if user is None or not user.active or not user.email_reminders or not (user.email or "").strip():
        return None
    language = user.language if user.language in LANGUAGES else DEFAULT
    return Recipient(user.id, user.username, user.email.strip(), language)


def _unique(users: Iterable[User | None], actor: User | None = None) -> list[User]:
    """Return the users once each, in order, without None and without the actor."""
    seen: set[int] = set()
    result = []
    for user in users:
        if user is None or user.id in seen or (actor is not None and user.id == actor.id):
            continue
        seen.add(user.id)
        result.append(user)
    return result


def _reviewers(team: Team) -> list[User]:
    users = [u for role in REVIEWER_ROLES for u in team.users(role)]
    if users:
        return users
    query = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.REVIEWER, User.active.is_(True))
        .order_by(User.id)
    )
    return list(db.session.scalars(query).unique())


def _decision_makers(team: Team, case: Case) -> list[User]:
    users = team.users(TeamRole.DECISION_MAKER)
    if users:
        return users
    maker = case.decision_maker_user
    return [maker] if maker is not None and maker.active else []


def _contact_stand_ins(assessment: Assessment, team: Team) -> list[User]:
    """Return who answers for a contact without an account: the assessment's owner, else the team's architects."""
    owner = assessment.owner
    if owner is not None and owner.active:
        return [owner]
    return team.users(TeamRole.ARCHITECT)


def _team_everyone(assessment: Assessment, team: Team) -> list[User | None]:
    members = [m.user for m in team.members if m.user.active]
    return [*members, assessment.owner, team.case.decision_maker_user]


# --- notices after the commit -----------------------------------------------------------------------------------


def _queue(notices: Iterable[Notice]) -> None:
    """Put notices into the current transaction's outbox: one mail per kind, assessment and recipient."""
    box: dict[tuple[str, int, int], Notice] = db.session.info.setdefault(OUTBOX, {})
    for notice in notices:
        group = (notice.kind, notice.assessment_id, notice.recipient.user_id)
        if group in box:
            box[group].items.update(notice.items)
        else:
            box[group] = notice


def _stamp() -> str:
    return utcnow().strftime("%Y%m%dT%H%M%S%f")


def _notices(
    kind: str,
    users: Iterable[User],
    assessment: Assessment,
    link: str,
    item: str,
    on_behalf: bool = False,
) -> list[Notice]:
    result = []
    stamp = _stamp()
    for user in users:
        to = recipient(user)
        if to is None:
            continue
        key = f"{kind}:assessment:{assessment.id}:{item}:user:{to.user_id}:{stamp}"
        result.append(Notice(kind, to, assessment.id, assessment.alternative.case.title, link, {item: key}, on_behalf))
    return result


def on_transition(assessment: Assessment, action: str, target: AssessmentStatus, actor: User) -> None:
    """Queue the notice of a workflow step, sent after the commit (workflow.move calls this for every step).

    Submitted: the case team's reviewers (every active reviewer when the team names none). Changes requested:
    the team's architects and the assessment's owner. Reviewed (every area approved): the decision makers of the
    team, else the case's. Decided: the whole team. Other steps send nothing; the actor never gets a mail.
    `action` is the step's name as the audit trail has it (it goes into the record of the mail).
    """
    settings = mail_settings()
    kind = TRANSITION_KINDS.get(target)
    if settings is None or kind is None:
        return
    case = assessment.alternative.case
    team = team_of(case)
    users: list[User | None]
    if kind == "submitted":
        users = list(_reviewers(team))
    elif kind == "changes_requested":
        users = [*team.users(TeamRole.ARCHITECT), assessment.owner]
    elif kind == "reviewed":
        users = list(_decision_makers(team, case))
    else:
        users = _team_everyone(assessment, team)
    endpoint = "review.record" if kind == "decided" else "review.view"
    link = absolute_url(endpoint, settings.base_url, assessment_id=assessment.id)
    _queue(_notices(kind, _unique(users, actor), assessment, link, f"{action}:{target.value}"))


def on_reassessment(assessment: Assessment, actor: User | None) -> None:
    """Queue *Omprövning krävs* for a newly flagged decided assessment, sent after the commit.

    It goes to the team's architects, the assessment's owner and the decision makers (the team's, else the
    case's); one mail per recipient however many flags the transaction made.
    """
    settings = mail_settings()
    if settings is None:
        return
    case = assessment.alternative.case
    team = team_of(case)
    users = _unique([*team.users(TeamRole.ARCHITECT), assessment.owner, *_decision_makers(team, case)], actor)
    link = absolute_url("review.view", settings.base_url, assessment_id=assessment.id)
    _queue(_notices("reassessment", users, assessment, link, "reassessment"))


def on_assignment(
    assessment: Assessment,
    question_id: str,
    assignee_user_id: int | None,
    assignee_contact_id: int | None,
    actor: User,
) -> None:
    """Queue "an assignment made" for a question newly assigned to someone, sent after the commit.

    Call it when a save picks a (new) assignee of an open question. A user gets the notice themselves, unless
    they assigned it to themselves. A contact outside the region has no account and gets no mail from the tool:
    the assessment's owner (else the team's architects) is told instead, since they keep in touch with the
    contact. Several questions assigned in one save make one mail per recipient that counts them.
    """
    settings = mail_settings()
    if settings is None or (assignee_user_id is None and assignee_contact_id is None):
        return
    link = _question_link(settings, assessment, question_id)
    if assignee_user_id is not None:
        users = _unique([db.session.get(User, assignee_user_id)], actor)
        _queue(_notices("assignment", users, assessment, link, f"question:{question_id}"))
        return
    team = team_of(assessment.alternative.case)
    users = _unique(_contact_stand_ins(assessment, team), actor)
    _queue(_notices("assignment.contact", users, assessment, link, f"question:{question_id}", on_behalf=True))


def _question_link(settings: MailSettings, assessment: Assessment, question_id: str) -> str:
    """Return the link to a question of the questionnaire: its step and its place on the page."""
    from assess.services.evaluation import ruleset_for

    values: dict[str, Any] = {"assessment_id": assessment.id}
    try:
        question = ruleset_for(assessment).by_id.get(question_id)
    except DomainError:
        question = None
    if question is not None:
        values["steg"] = question.area
    url = absolute_url("assessments.view", settings.base_url, **values)
    return f"{url}#q-{question_id}" if question is not None else url


def compose(notice: Notice, settings: MailSettings | None = None) -> OutgoingMail:
    """Return a notice's mail in the recipient's language: the kind in one sentence, the case's title, the link."""
    title = " ".join(notice.case_title.split())
    with in_language(notice.recipient.language):
        lines = [sentence(notice.kind, notice.count)]
        if notice.on_behalf:
            lines.append(_(ON_BEHALF))
        lines += ["", f"{_(CASE_LABEL)}: {title}", notice.link, "", "-- ", _(FOOTER)]
        subject = f"{_(SUBJECTS[notice.kind])}: {title}"
    return OutgoingMail(notice.recipient.email, subject, "\n".join(lines) + "\n", notice.recipient.language)


def deliver(notices: list[Notice]) -> int:
    """Send notices now and record them; log what fails and never raise. Return how many were sent."""
    settings = mail_settings()
    if settings is None or not notices:
        return 0
    sent: list[Notice] = []
    try:
        with Mailer(settings) as mailer:
            for notice in notices:
                try:
                    mailer.send(compose(notice, settings))
                except MailError as exc:
                    log.warning("mail %s to user %s not sent: %s", notice.kind, notice.recipient.user_id, exc)
                else:
                    sent.append(notice)
    except MailError as exc:
        log.warning("%s notice(s) not sent, the mail server cannot be reached: %s", len(notices), exc)
    except Exception:  # a notice must never break the request that has already committed
        log.exception("%s notice(s) not sent", len(notices))
    if sent:
        try:
            with db.engine.begin() as connection:
                connection.execute(insert(SentNotification), _rows(sent))
        except Exception:
            log.exception("%s sent notice(s) not recorded", len(sent))
    return len(sent)


def _rows(notices: Iterable[Notice]) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {"key": key, "user_id": n.recipient.user_id, "kind": n.kind, "sent_at": now}
        for n in notices
        for key in n.items.values()
    ]


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    box = session.info.pop(OUTBOX, None)
    if box:
        deliver(list(box.values()))


@event.listens_for(Session, "after_rollback")
def _discard_after_rollback(session: Session) -> None:
    session.info.pop(OUTBOX, None)


# --- reminders of what is due -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Due:
    kind: str
    user: User
    assessment: Assessment
    link: str
    item: str
    key: str
    on_behalf: bool = False


def _assignments_due(today: date, settings: MailSettings) -> list[_Due]:
    """Return the reminders of open questions with a due date within 7 days or past (shown questions only)."""
    from assess.services.evaluation import evaluate_assessment, ruleset_for

    query = (
        select(Answer)
        .join(Assessment, Answer.assessment_id == Assessment.id)
        .where(
            Assessment.status.in_(OPEN_STATES),
            Answer.unknown_due.is_not(None),
            Answer.unknown_due <= today + ASSIGNMENT_AHEAD,
        )
        .order_by(Answer.assessment_id, Answer.question_id)
    )
    by_assessment: dict[int, list[Answer]] = {}
    for row in db.session.scalars(query):
        if is_open_question(row):
            by_assessment.setdefault(row.assessment_id, []).append(row)
    teams: dict[int, Team] = {}
    result = []
    for rows in by_assessment.values():
        assessment = rows[0].assessment
        try:
            ruleset = ruleset_for(assessment)
            evaluation = evaluate_assessment(assessment)
        except DomainError as exc:
            log.warning("assessment %s skipped: %s", assessment.id, exc)
            continue
        case = assessment.alternative.case
        if case.id not in teams:
            teams[case.id] = team_of(case)
        team = teams[case.id]
        for row in rows:
            question = ruleset.by_id.get(row.question_id)
            shown = evaluation.questions.get(row.question_id)
            if question is None or shown is None or not shown.shown or row.unknown_due is None:
                continue
            who = team.assignee(row, question, assessment)
            if who is None:
                continue
            kind = "assignment.overdue" if row.unknown_due < today else "assignment.due7"
            link = _question_link(settings, assessment, row.question_id)
            item = f"answer:{row.id}:{row.unknown_due.isoformat()}"
            if who.user_id is not None:
                users, on_behalf = _unique([db.session.get(User, who.user_id)]), False
            else:
                users, on_behalf = _unique(_contact_stand_ins(assessment, team)), True
            result += [_Due(kind, u, assessment, link, item, f"{kind}:{item}:user:{u.id}", on_behalf) for u in users]
    return result


def _conditions_due(today: date, settings: MailSettings) -> list[_Due]:
    """Return the reminders of unfulfilled conditions with a date within 30 days or past (decided records)."""
    query = (
        select(DecisionCondition)
        .join(Assessment, DecisionCondition.assessment_id == Assessment.id)
        .where(
            Assessment.status == AssessmentStatus.DECIDED,
            DecisionCondition.fulfilled.is_(False),
            DecisionCondition.deadline.is_not(None),
            DecisionCondition.deadline <= today + CONDITION_AHEAD,
        )
        .order_by(DecisionCondition.id)
    )
    result = []
    for condition in db.session.scalars(query):
        if condition.claimed or condition.deadline is None:
            continue  # claimed: the owner says it is done and waits for verification
        assessment = condition.assessment
        kind = "condition.overdue" if condition.deadline < today else "condition.due30"
        item = f"condition:{condition.id}:{condition.deadline.isoformat()}"
        if condition.owner is not None:
            users, on_behalf = _unique([condition.owner]), False
            link = absolute_url("review.tasks", settings.base_url)
        else:
            users = _unique(_contact_stand_ins(assessment, team_of(assessment.alternative.case)))
            on_behalf = True
            link = absolute_url("review.record", settings.base_url, assessment_id=assessment.id)
        result += [_Due(kind, u, assessment, link, item, f"{kind}:{item}:user:{u.id}", on_behalf) for u in users]
    return result


def _reviews_due(today: date, settings: MailSettings) -> list[_Due]:
    """Return the reminders of decided assessments whose next review date has come: architects, decision makers."""
    query = (
        select(Decision)
        .join(Assessment, Decision.assessment_id == Assessment.id)
        .where(
            Assessment.status == AssessmentStatus.DECIDED,
            Decision.next_review.is_not(None),
            Decision.next_review <= today,
        )
        .order_by(Decision.id)
    )
    result = []
    for decision in db.session.scalars(query):
        assessment = db.session.get(Assessment, decision.assessment_id)
        if assessment is None or decision.next_review is None:
            continue
        case = assessment.alternative.case
        team = team_of(case)
        users = _unique([*team.users(TeamRole.ARCHITECT), *_decision_makers(team, case)])
        link = absolute_url("review.record", settings.base_url, assessment_id=assessment.id)
        item = f"decision:{decision.id}:{decision.next_review.isoformat()}"
        result += [_Due("review.due", u, assessment, link, item, f"review.due:{item}:user:{u.id}") for u in users]
    return result


def due_notices(today: date, settings: MailSettings) -> tuple[list[Notice], int]:
    """Return the reminders due today not sent before, one mail per kind, assessment and recipient (and whether it
    is for a contact); and how many due reminders had been sent already."""
    due = [*_assignments_due(today, settings), *_conditions_due(today, settings), *_reviews_due(today, settings)]
    keys = [d.key for d in due]
    sent: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        sent |= set(db.session.scalars(select(SentNotification.key).where(SentNotification.key.in_(chunk))))
    groups: dict[tuple[str, int, int, bool], Notice] = {}
    for d in due:
        if d.key in sent:
            continue
        to = recipient(d.user)
        if to is None:
            continue
        group = (d.kind, d.assessment.id, to.user_id, d.on_behalf)
        notice = groups.get(group)
        if notice is None:
            title = d.assessment.alternative.case.title
            notice = groups[group] = Notice(d.kind, to, d.assessment.id, title, d.link, on_behalf=d.on_behalf)
        notice.items[d.item] = d.key
    return list(groups.values()), len(sent)


def send_due(today: date, dry_run: bool = False, checkpoint: Callable[[], None] | None = None) -> NotifyReport:
    """Send every reminder due on `today` that was not sent before; raise MailError when mail is off or the server
    cannot be reached.

    Each mail's keys are stored (and, with `checkpoint`, committed) before it leaves, and taken back if the
    server refuses it: a reminder goes out at most once, even when two runs overlap. The CLI passes
    `db.session.commit` as the checkpoint. `dry_run` lists what would be sent and sends and stores nothing.
    """
    settings = mail_settings()
    if settings is None:
        if not dry_run:
            raise MailError(_("E-post är inte konfigurerad (ASSESS_MAIL_SERVER)."))
        settings = MailSettings("", 25, False, False, "", "", "", 10, configured_base_url() or "http://localhost")
    notices, already = due_notices(today, settings)
    report = NotifyReport(already_sent=already)
    lines = [Line(n.kind, n.recipient.username, n.link, n.count) for n in notices]
    if dry_run:
        report.sent = lines
        return report
    commit = checkpoint or db.session.flush
    with Mailer(settings) as mailer:
        for notice, line in zip(notices, lines, strict=True):
            mail = compose(notice, settings)
            keys = list(notice.items.values())
            db.session.add_all(
                SentNotification(key=key, user_id=notice.recipient.user_id, kind=notice.kind) for key in keys
            )
            try:
                db.session.flush()
                commit()
            except IntegrityError:  # another run sent it meanwhile
                db.session.rollback()
                report.already_sent += len(keys)
                continue
            try:
                mailer.send(mail)
            except MailError as exc:
                db.session.execute(delete(SentNotification).where(SentNotification.key.in_(keys)))
                commit()
                report.failed.append((line, str(exc)))
                continue
            report.sent.append(line)
    return report
