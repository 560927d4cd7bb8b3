"""The rules module: the regional rule set as data, and explained, unknown-aware verdicts.

Pure Python (standard library, pydantic, PyYAML); usable without Flask: ``python -m rules --help``.

    from rules import load_published, evaluate, Answer, Override
    ruleset = load_published("molnlamplighet")          # newest published version, validated and cached
    result = evaluate(ruleset, {"G-04": Answer("yes", "E4")}, overrides={})
    result.verdict, result.worst_case, result.to_dict()
"""

from rules.answers import (
    Answer,
    AnswerSet,
    AnswerSetError,
    Override,
    check_answers,
    check_value,
    parse_answer_json,
    parse_answer_set,
    value_from_form,
)
from rules.completion import Completion, favourable_completion
from rules.engine import evaluate
from rules.loader import LoadError, RuleSetError, load_ruleset
from rules.model import (
    ANSWERED_BY_LABELS,
    AREA_RESULT_LABELS,
    AREA_TITLES,
    OUTCOME_LABELS,
    VERDICT_LABELS,
    Area,
    Group,
    Mitigation,
    Option,
    Question,
    Reference,
    Rule,
    RuleSet,
    Text,
)
from rules.registry import default_ruleset, load_published, newest, published_rulesets
from rules.results import AreaResult, ConditionItem, Evaluation, QuestionResult

__all__ = [
    "ANSWERED_BY_LABELS",
    "AREA_RESULT_LABELS",
    "AREA_TITLES",
    "OUTCOME_LABELS",
    "VERDICT_LABELS",
    "Answer",
    "AnswerSet",
    "AnswerSetError",
    "Area",
    "AreaResult",
    "Completion",
    "ConditionItem",
    "Evaluation",
    "Group",
    "LoadError",
    "Mitigation",
    "Option",
    "Override",
    "Question",
    "QuestionResult",
    "Reference",
    "Rule",
    "RuleSet",
    "RuleSetError",
    "Text",
    "default_ruleset",
    "evaluate",
    "favourable_completion",
    "load_published",
    "load_ruleset",
    "check_answers",
    "check_value",
    "value_from_form",
    "newest",
    "parse_answer_json",
    "parse_answer_set",
    "published_rulesets",
]
