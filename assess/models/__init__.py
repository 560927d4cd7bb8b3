"""SQLAlchemy models, one module per aggregate."""

from assess.models.assessment import (
    DEFAULT_SCOPE,
    EVIDENCE_LABELS,
    STATUS_LABELS,
    Answer,
    Assessment,
    AssessmentStatus,
    Evidence,
)
from assess.models.audit import AppendOnlyError, AuditEvent
from assess.models.case import CASE_STATUS_LABELS, OPERATING_MODELS, Alternative, Case, CaseStatus
from assess.models.review import (
    GATE_LABELS,
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
from assess.models.user import AREA_LABELS, ROLE_LABELS, LoginAttempt, ReviewArea, Role, User, UserRole

__all__ = [
    "GATE_LABELS",
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
    "AREA_LABELS",
    "CASE_STATUS_LABELS",
    "DEFAULT_SCOPE",
    "EVIDENCE_LABELS",
    "OPERATING_MODELS",
    "ROLE_LABELS",
    "STATUS_LABELS",
    "Alternative",
    "Answer",
    "AppendOnlyError",
    "Assessment",
    "AssessmentStatus",
    "AuditEvent",
    "Case",
    "CaseStatus",
    "Evidence",
    "LoginAttempt",
    "ReviewArea",
    "Role",
    "User",
    "UserRole",
]
