"""Rules engine figures: time to load and validate the published rule set, evaluations per second."""

from __future__ import annotations

import statistics
import time

from rules import evaluate, load_published
from rules.answers import parse_answer_set
from rules.examples import example_modules
from rules.loader import load_ruleset
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
    for label, serialise in (
        ("evaluate()", None),
        ("evaluate() + to_dict()", "dict"),
        ("evaluate() + to_json(indent=None)", "json"),
    ):
        count = 0
        started = time.perf_counter()
        deadline = started + 2.0
        while time.perf_counter() < deadline:
            for _ in range(50):
                result = evaluate(ruleset, answers)
                if serialise == "dict":
                    result.to_dict()
                elif serialise == "json":
                    result.to_json(indent=None)
            count += 50
        rate = count / (time.perf_counter() - started)
        print(f"   {label} of module D2 (61 answers, fully answered): {rate:,.0f} evaluations/s on one core")
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


if __name__ == "__main__":
    main()
