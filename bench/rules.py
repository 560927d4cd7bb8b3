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
