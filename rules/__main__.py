"""The command line, a stable contract: ``python -m rules check | evaluate | show | diff``.

Exit codes: 0 success; 1 ``check`` found problems; 2 bad input (answers, overrides, rule-set reference).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from rules.answers import AnswerSetError, parse_answer_json
from rules.completion import favourable_completion
from rules.engine import evaluate
from rules.loader import RuleSetError, load_ruleset
from rules.model import ANSWERED_BY_LABELS, OUTCOME_LABELS, Question, RuleSet
from rules.registry import RULESETS_DIR, default_ruleset, load_published, parse_ref, published_rulesets


def _err(lines: Sequence[str]) -> None:
    for line in lines:
        print(line, file=sys.stderr)


def _resolve(ref: str | None) -> RuleSet:
    """Load a rule set from ``ID``, ``ID@VERSION`` or a file path; the newest published one if None."""
    if ref is None:
        return default_ruleset()
    if ref.endswith((".yaml", ".yml")) or "/" in ref or Path(ref).is_file():
        return load_ruleset(ref)
    ruleset_id, version = parse_ref(ref)
    return load_published(ruleset_id, version)


# -- check --------------------------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    """Validate rule-set files (default: every published one, against the lock); exit 0 or 1."""
    problems: list[str] = []
    if args.paths:
        targets: list[tuple[str, RuleSet | None]] = []
        for path in args.paths:
            try:
                targets.append((path, load_ruleset(path)))
            except RuleSetError as exc:
                problems += exc.problems
                targets.append((path, None))
    else:
        targets = []
        published = published_rulesets()
        listed = {p.path for p in published}
        for p in published:
            try:
                targets.append((str(p.path.relative_to(RULESETS_DIR)), load_published(p.id, p.version)))
            except RuleSetError as exc:
                problems += exc.problems
                targets.append((p.key, None))
        for path in sorted(RULESETS_DIR.glob("*/*.yaml")):
            if path not in listed:
                problems.append(f"{path.relative_to(RULESETS_DIR)}: not in published.lock (publish it or move it)")
    for label, ruleset in targets:
        if ruleset is not None:
            print(f"OK {label}: {ruleset.key}, {len(ruleset.questions)} questions, sha256 {ruleset.sha256}")
    if problems:
        _err(problems)
        return 1
    return 0


# -- evaluate -----------------------------------------------------------------------------------------------


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Evaluate an answer set (file or ``-``) and print the JSON of scoring.md §8; exit 2 on bad input."""
    try:
        ruleset = _resolve(args.ruleset)
    except RuleSetError as exc:
        _err(exc.problems)
        return 2
    try:
        data = sys.stdin.buffer.read() if args.answers == "-" else Path(args.answers).read_bytes()
    except OSError as exc:
        _err([f"{args.answers}: cannot read: {exc.strerror or exc}"])
        return 2
    try:
        answer_set = parse_answer_json(data, ruleset)
    except AnswerSetError as exc:
        _err(exc.problems)
        return 2
    if args.favourable:
        completion = favourable_completion(ruleset, answer_set.answers, answer_set.overrides)
        sys.stdout.write(json.dumps(completion.to_dict(), ensure_ascii=False, indent=args.indent) + "\n")
        return 0
    result = evaluate(ruleset, answer_set.answers, answer_set.overrides, validate=False)
    sys.stdout.write(result.to_json(indent=args.indent) + "\n")
    return 0


# -- show ---------------------------------------------------------------------------------------------------


def _describe_question(q: Question, lang: str) -> list[str]:
    sv = lang == "sv"
    lines = [f"  {q.id}  {q.title.get(lang)}  [{q.type}]"]
    lines.append(f"      {q.text.get(lang)}")
    if q.help is not None:
        lines.append(f"      {'Hjälp' if sv else 'Help'}: {q.help.get(lang)}")
    if q.options:
        opts = []
        for o in q.options:
            need = q.min_evidence.get(o.id, q.min_evidence_any if o.id not in ("unknown", "not_applicable") else None)
            opts.append(f"{o.id} ({o.label.get(lang)}{', min ' + need if need else ''})")
        lines.append(f"      {'Alternativ' if sv else 'Options'}: " + "; ".join(opts))
    elif q.min_evidence_any:
        lines.append(f"      min_evidence: {q.min_evidence_any}")
    lines.append(f"      {'Visas när' if sv else 'Shown when'}: {q.ask_if_text}")
    for rule in q.rules:
        fix = f"  fix: {', '.join(rule.fix) or '—'}" if rule.outcome == "KO" else ""
        lines.append(f"      {rule.number}. {rule.describe()}{fix}")
        lines.append(f"         {rule.reason.get(lang)}")
    by = ANSWERED_BY_LABELS[q.answered_by][0 if sv else 1]
    volatile = ("; rörlig rätt" if sv else "; volatile") if q.volatile else ""
    lines.append(
        f"      on_unknown: {q.on_unknown} ({OUTCOME_LABELS[q.on_unknown][0 if sv else 1]}); "
        f"{'besvaras av' if sv else 'answered by'} {by}{volatile}"
    )
    for ref in q.refs:
        lines.append(f"      - {ref.display()}")
    return lines


def cmd_show(args: argparse.Namespace) -> int:
    """Print the catalogue in readable form: areas, groups, questions, rules, references, mitigations."""
    try:
        ruleset = _resolve(args.ruleset)
    except RuleSetError as exc:
        _err(exc.problems)
        return 2
    lang = args.lang
    out = [f"{ruleset.title.get(lang)} ({ruleset.key}, sha256 {ruleset.sha256})", ""]
    for area in ruleset.areas:
        out.append(f"== {area.title.get(lang)} ({area.id}) ==")
        for group in area.groups:
            out.append(f"-- {group.title.get(lang)} --")
            for qid in group.questions:
                out += _describe_question(ruleset.question(qid), lang)
            out.append("")
    out.append("== " + ("Åtgärdskatalog" if lang == "sv" else "Mitigation catalogue") + " ==")
    for m in ruleset.mitigations:
        out.append(f"  {m.id}  {m.text.get(lang)}  ({'underlag' if lang == 'sv' else 'evidence'}: {m.evidence})")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


# -- diff ---------------------------------------------------------------------------------------------------


def _question_fields(q: Question) -> dict[str, object]:
    return {
        "area": q.area,
        "group": q.group,
        "title": q.title,
        "text": q.text,
        "help": q.help,
        "type": q.type,
        "ask_if": q.ask_if_text,
        "on_unknown": q.on_unknown,
        "answered_by": q.answered_by,
        "volatile": q.volatile,
        "min_evidence": (dict(q.min_evidence), q.min_evidence_any),
        "refs": q.refs,
    }


def diff_rulesets(a: RuleSet, b: RuleSet) -> list[str]:
    """Return the questions, options, rules and mitigations added, removed and changed from a to b."""
    lines: list[str] = []
    for qid in a.by_id.keys() - b.by_id.keys():
        lines.append(f"- question {qid} removed ({a.question(qid).title.en})")
    for q in b.questions:
        if q.id not in a.by_id:
            lines.append(f"+ question {q.id} added ({q.title.en})")
            continue
        old = a.question(q.id)
        fa, fb = _question_fields(old), _question_fields(q)
        for name in fa:
            if fa[name] != fb[name]:
                lines.append(f"~ {q.id}.{name} changed")
        old_opts = {o.id: o for o in old.options}
        new_opts = {o.id: o for o in q.options}
        for oid in old_opts:
            if oid not in new_opts:
                lines.append(f"- {q.id} option {oid} removed")
            elif old_opts[oid].label != new_opts[oid].label:
                lines.append(f"~ {q.id} option {oid} label changed")
        for oid in new_opts:
            if oid not in old_opts:
                lines.append(f"+ {q.id} option {oid} added")
        for n in range(max(len(old.rules), len(q.rules))):
            if n >= len(q.rules):
                lines.append(f"- {q.id} rule {n + 1} removed: {old.rules[n].describe()}")
            elif n >= len(old.rules):
                lines.append(f"+ {q.id} rule {n + 1} added: {q.rules[n].describe()}")
            else:
                ro, rn = old.rules[n], q.rules[n]
                if (ro.when, ro.outcome, ro.mitigations, ro.fix) != (
                    rn.when,
                    rn.outcome,
                    rn.mitigations,
                    rn.fix,
                ):
                    lines.append(f"~ {q.id} rule {n + 1} changed: {ro.describe()}  =>  {rn.describe()}")
                elif ro.reason != rn.reason:
                    lines.append(f"~ {q.id} rule {n + 1} reason changed")
    for mid in a.mitigations_by_id.keys() - b.mitigations_by_id.keys():
        lines.append(f"- mitigation {mid} removed")
    for m in b.mitigations:
        if m.id not in a.mitigations_by_id:
            lines.append(f"+ mitigation {m.id} added")
        elif a.mitigation(m.id) != m:
            lines.append(f"~ mitigation {m.id} changed")
    return lines


def cmd_diff(args: argparse.Namespace) -> int:
    """Print the differences between two rule sets (ID@VERSION or file paths)."""
    try:
        a, b = _resolve(args.a), _resolve(args.b)
    except RuleSetError as exc:
        _err(exc.problems)
        return 2
    lines = diff_rulesets(a, b)
    print(f"{a.key} ({a.sha256[:12]}) -> {b.key} ({b.sha256[:12]}): {len(lines)} difference(s)")
    for line in lines:
        print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``python -m rules``."""
    parser = argparse.ArgumentParser(prog="python -m rules", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate rule-set files (default: every published one)")
    check.add_argument("paths", nargs="*", metavar="PATH")
    check.set_defaults(func=cmd_check)
    ev = sub.add_parser("evaluate", help="evaluate an answer set; JSON on stdout")
    ev.add_argument("--ruleset", metavar="ID[@VERSION]", help="default: the newest published rule set")
    ev.add_argument("--indent", type=int, default=2, help="JSON indent (default 2)")
    ev.add_argument(
        "--favourable", action="store_true", help="print the favourable completion (what it would take) instead"
    )
    ev.add_argument("answers", metavar="ANSWERS.json", help="the answer set, or - for stdin")
    ev.set_defaults(func=cmd_evaluate)
    show = sub.add_parser("show", help="print the catalogue in readable form")
    show.add_argument("--ruleset", metavar="ID[@VERSION]")
    show.add_argument("--lang", choices=("sv", "en"), default="sv")
    show.set_defaults(func=cmd_show)
    diff = sub.add_parser("diff", help="questions, options and rules added, removed and changed")
    diff.add_argument("a", metavar="A")
    diff.add_argument("b", metavar="B")
    diff.set_defaults(func=cmd_diff)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
