"""What it would take (issue 13): the favourable completion of a stored assessment, and its sentence."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import rules
from assess import labels
from assess.i18n import _, ngettext
from assess.models import Answer, Assessment
from assess.services.evaluation import AnswerFacts, EngineInput, engine_input


@dataclass(frozen=True)
class Favourable:
    """What an assessment could reach with favourable answers to its open questions, and what that needs."""

    verdict: str
    worst_case: str
    conditions: int
    needed: int
    by_party: dict[str, int]
    still_open: int
    evaluation: rules.Evaluation
    proposed: Mapping[str, rules.Answer]
    completion: rules.Completion

    @property
    def nothing_open(self) -> bool:
        """Tell whether the assessment has no open question (its result is the one that stands)."""
        return self.needed == 0 and self.still_open == 0

    @property
    def text(self) -> str:
        """Return the sentence (see ``sentence``) in the current language."""
        return sentence(self)

    def proposed_by(self, party: str) -> list[str]:
        """Return the proposed question ids that the party (provider, legal, region) must answer."""
        return [qid for qid in self.proposed if self.evaluation.questions[qid].answered_by == party]


def favourable(
    assessment: Assessment,
    rows: Iterable[Answer | AnswerFacts] | None = None,
    overrides: Mapping[str, rules.Override] | None = None,
    given: EngineInput | None = None,
) -> Favourable:
    """Complete the assessment's open questions favourably (as evaluate_assessment reads it) and summarise
    (`given`: its engine_input, made before)."""
    from assess.services import summaries

    ruleset, known, overrides, content = given or engine_input(assessment, rows, overrides)
    key = ("favourable", *content)
    completion = summaries.cached_value(key)
    if not isinstance(completion, rules.Completion):
        completion = rules.favourable_completion(ruleset, known, overrides)
        summaries.remember_value(key, completion)
    ev = completion.evaluation
    return Favourable(
        verdict=ev.verdict,
        worst_case=completion.current.worst_case,
        conditions=len(ev.conditions),
        needed=completion.needed,
        by_party=dict(completion.by_party),
        still_open=len(completion.still_open),
        evaluation=ev,
        proposed=completion.proposed,
        completion=completion,
    )


def sentence(fav: Favourable) -> str:
    """Return the result in one sentence: what the favourable answers give and how many answers it needs."""
    if fav.nothing_open:
        return _("Inga öppna frågor: resultatet ovan är det som gäller.")
    verdict = labels.VERDICT[fav.verdict]
    if fav.verdict == "suitable_with_conditions" and fav.conditions:
        count = ngettext("%(num)s villkor", "%(num)s villkor", fav.conditions)
        verdict = _("%(verdict)s (%(conditions)s)", verdict=verdict, conditions=count)
    needs = [ngettext("kräver besked i %(num)s fråga", "kräver besked i %(num)s frågor", fav.needed)]
    needs += [
        _("%(count)s från %(who)s", count=fav.by_party[party], who=labels.ANSWERED_BY[party])
        for party in ("provider", "legal", "region")
        if fav.by_party.get(party)
    ]
    text = ", ".join(needs) if fav.needed else ""
    if fav.still_open:
        still = ngettext(
            "%(num)s fråga är fortfarande öppen efter det",
            "%(num)s frågor är fortfarande öppna efter det",
            fav.still_open,
        )
        text = f"{text}; {still}" if text else still
    return _("Med gynnsamma besked: %(verdict)s – %(needs)s.", verdict=verdict, needs=text)
