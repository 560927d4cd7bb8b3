"""The rule trace of one question: which rule matched, on which answers (for reviewers and auditors).

The pages a steering group reads give the rule set's reason in words; the notation of the catalogue
(``G-02 in {saas, paas} → OK``) is kept here, one link away ("Visa regel").
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from assess.services import assessments as service
from assess.views.access import ANY_ROLE, allow

bp = Blueprint("trace", __name__)


@bp.route("/bedomningar/<int:assessment_id>/regelspar/<question_id>")
@allow(*ANY_ROLE)
def question(assessment_id: int, question_id: str) -> str:
    data = service.load_questionnaire(assessment_id)
    q = data.ruleset.by_id.get(question_id)
    if q is None:
        abort(404)
    result = data.evaluation.questions[question_id]
    answers = {a.question_id: a for a in data.assessment.answers}
    read = sorted(
        {qid for rule in q.rules for qid in rule.reads} | {question_id}, key=lambda qid: data.ruleset.by_id[qid].index
    )
    return render_template(
        "trace/question.html",
        a=data.assessment,
        ruleset=data.ruleset,
        q=q,
        qr=result,
        read=[(data.ruleset.by_id[qid], answers.get(qid), data.evaluation.questions[qid]) for qid in read],
    )
