"""SQLAlchemy models, one module per aggregate."""

from assess.models.assessment import (
    DEFAULT_SCOPE,
    Answer,
    Assessment,
    AssessmentStatus,
    Evidence,
)
from assess.models.audit import AppendOnlyError, AuditEvent, AuditHead, SentNotification
from assess.models.case import Alternative, Case, CaseContact, CaseMember, CaseStatus, TeamRole
from assess.models.data import ApiToken, EvidenceFile
from assess.models.review import (
    AreaApproval,
    ChangeRequest,
    Decision,
    DecisionCondition,
    DecisionOutcome,
    FrozenRecord,
    Gate,
    KnockoutOverride,
    OverrideKind,
    ReviewComment,
    Submission,
)
from assess.models.support import (
    AnswerAuthor,
    EvaluationSummary,
    FactChange,
    FactWatch,
    ReassessmentFlag,
    Scenario,
)
from assess.models.user import LoginAttempt, ReviewArea, Role, User, UserRole, UserSession

__all__ = [
    "AreaApproval",
    "ChangeRequest",
    "Decision",
    "DecisionCondition",
    "DecisionOutcome",
    "FrozenRecord",
    "Gate",
    "KnockoutOverride",
    "OverrideKind",
    "ReviewComment",
    "Submission",
    "DEFAULT_SCOPE",
    "Alternative",
    "Answer",
    "AppendOnlyError",
    "Assessment",
    "AssessmentStatus",
    "AuditEvent",
    "AuditHead",
    "Case",
    "CaseContact",
    "CaseMember",
    "CaseStatus",
    "SentNotification",
    "FactChange",
    "FactWatch",
    "ReassessmentFlag",
    "Scenario",
    "AnswerAuthor",
    "ApiToken",
    "EvidenceFile",
    "EvaluationSummary",
    "TeamRole",
    "Evidence",
    "LoginAttempt",
    "ReviewArea",
    "Role",
    "User",
    "UserRole",
    "UserSession",
]
