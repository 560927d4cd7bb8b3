"""Rules engine figures: time to load and validate the published rule set, evaluations per second."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping

from rules import evaluate, load_published
from rules.answers import Answer, parse_answer_set
from rules.examples import example_modules
from rules.loader import load_ruleset
from rules.model import RuleSet
from rules.registry import find_published


def main() -> None:
    """Print the load time (median of 7 runs) and evaluations per second of module D2 on one core."""
    entry = find_published("molnlamplighet")
    loads = []
    for _ in range(7):
        started = time.perf_counter()
        load_ruleset(entry.path)
        loads.append(time.perf_counter() - started)
    print(f"   load + validate {entry.key} ({entry.path.name}): {statistics.median(loads) * 1000:.1f} ms (median of 7)")

    ruleset = load_published("molnlamplighet")
    d2 = next(m for m in example_modules() if m["key"] == "D2")
    answers = parse_answer_set({"answers": d2["answers"]}, ruleset).answers
    # Four windows of 0.5 s each: the median and the best window (the machine may be shared).
    for label, serialise in (
        ("evaluate()", None),
        ("evaluate() + to_dict()", "dict"),
        ("evaluate() + to_json(indent=None)", "json"),
    ):
        rates = []
        for _ in range(4):
            count = 0
            started = time.perf_counter()
            while time.perf_counter() < started + 0.5:
                for _ in range(20):
                    result = evaluate(ruleset, answers)
                    if serialise == "dict":
                        result.to_dict()
                    elif serialise == "json":
                        result.to_json(indent=None)
                count += 20
            rates.append(count / (time.perf_counter() - started))
        print(
            f"   {label} of module D2 (fully answered): {statistics.median(rates):,.0f} evaluations/s "
            f"(median; best {max(rates):,.0f}) on one core"
        )
    # Engine and floor in alternating windows of CPU time, so that both see the same (possibly shared) machine.
    side = _side_by_side(lambda: evaluate(ruleset, answers), _floor_loop(ruleset, answers))
    print(
        f"   floor loop of module D2 (per question: its answer from a dict, an outcome from a table): "
        f"{side['floor']:,.0f}/s (best {side['floor_best']:,.0f}); evaluate(): {side['engine']:,.0f}/s "
        f"(best {side['engine_best']:,.0f}); CPU time, median of 15 alternating windows"
    )
    met = side["ratio"] <= 8 and side["engine"] >= 10_000
    print(
        f"   engine is {side['ratio']:.1f}x the floor (best against best {side['ratio_best']:.1f}x); "
        f"goal <= 8x and >= 10,000 evaluations/s: {'met' if met else 'not met in this run'}"
    )
    b = next(m for m in example_modules() if m["key"] == "B")
    answers_b = parse_answer_set({"answers": b["answers"]}, ruleset).answers
    count = 0
    started = time.perf_counter()
    while time.perf_counter() < started + 1.0:
        evaluate(ruleset, answers_b)
        count += 1
    print(
        f"   evaluate() of module B (47 open questions, worst case): {count / (time.perf_counter() - started):,.0f}/s"
    )


def _cpu_rate(run: Callable[[], object], seconds: float) -> float:
    """Return how often ``run`` runs per second of this process's CPU time, over about ``seconds``."""
    count = 0
    started = time.process_time()
    while (elapsed := time.process_time() - started) < seconds:
        for _ in range(20):
            run()
        count += 20
    return count / elapsed


def _side_by_side(engine: Callable[[], object], floor: Callable[[], object]) -> dict[str, float]:
    """Return the rates of engine and floor (median and best) and the ratio floor / engine, window by window."""
    engines, floors, ratios = [], [], []
    for _ in range(15):
        e, f = _cpu_rate(engine, 0.1), _cpu_rate(floor, 0.1)
        engines.append(e)
        floors.append(f)
        ratios.append(f / e)
    return {
        "engine": statistics.median(engines),
        "floor": statistics.median(floors),
        "ratio": statistics.median(ratios),
        "engine_best": max(engines),
        "floor_best": max(floors),
        "ratio_best": max(floors) / max(engines),
    }


def _floor_loop(ruleset: RuleSet, answers: Mapping[str, Answer]) -> Callable[[], object]:
    """Return the floor: for each question look its answer up in a dict and pick an outcome from a table."""
    result = evaluate(ruleset, answers)
    tables = []
    for q in ruleset.questions:
        table: dict[object, str] = {o.id: "UB" for o in q.options}
        answer = answers.get(q.id)
        table[answer.value if answer is not None else None] = result.questions[q.id].outcome or "NA"
        tables.append((q.id, table))

    def floor() -> object:
        outcomes = {}
        get = answers.get
        for qid, table in tables:
            answer = get(qid)
            outcomes[qid] = table.get(answer.value if answer is not None else None, "UB")
        return outcomes

    return floor


if __name__ == "__main__":
    main()
