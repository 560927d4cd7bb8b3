"""The vendor's questionnaire as an Excel workbook: export the questions, read the filled workbook back as changes.

The workbook has a sheet explaining how to fill it in, the questions sheet (question, help text, the answer as a
drop-down of the options, the evidence level E0–E4 as a drop-down, the motivation and a reference to the
evidence) and two hidden sheets: the option lists the drop-downs read, and what the export was (assessment,
version, rule set). Each question row carries, in hidden columns, the question id and the answer as exported, so
that reading the file back tells what the vendor changed from what someone saved here since the export.

Reading never changes anything: it returns a preview, or raises `SheetProblems` with one message per cell.
Applying a preview goes through `assessments.save_answers` (compare and set per question) and is audited as
coming from the vendor's file.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]

import rules
from assess.i18n import _
from assess.models import Answer, Assessment, Evidence, User
from assess.models.types import utcnow
from assess.services.assessments import (
    MAX_REF,
    MAX_TEXT,
    AnswerInput,
    SaveResult,
    answer_digest,
    answer_input_of,
    save_answers,
)
from assess.services.audit import record_event
from assess.services.errors import ValidationFailed
from assess.services.evaluation import ruleset_for
from rules.model import EVIDENCE_LABELS

FORMAT = "molnbedomning-vendor-sheet/1"
PROVIDER = "provider"
#: Sheet names in each language; a workbook is read in either.
QUESTIONS = {"sv": "Frågor", "en": "Questions"}
GUIDE = {"sv": "Så fyller du i", "en": "How to fill it in"}
LISTS = {"sv": "Listor", "en": "Lists"}
ABOUT = {"sv": "Om filen", "en": "About"}
#: Columns of the questions sheet (1-based): id and exported answer are hidden.
COL_ID, COL_QUESTION, COL_TEXT, COL_HELP, COL_ANSWER, COL_EVIDENCE, COL_MOTIVATION, COL_REF, COL_EXPORTED = range(1, 10)
FIRST_ROW = 2
MAX_ROWS = 2000
_EVIDENCE = re.compile(r"^\s*(E[0-4])(?:\s|$|[-–:])", re.I)


class SheetProblems(ValidationFailed):
    """A workbook that cannot be read as it is: every problem, one per cell; nothing is changed."""


@dataclass(frozen=True)
class SheetChange:
    """One answer the file changes: new (no answer stored), changed, or in conflict with an answer saved since."""

    question_id: str
    title: str
    kind: str  # "new", "changed" or "conflict"
    stored: str
    stored_evidence: str
    file: str
    file_evidence: str
    motivation: str
    saved_by: str = ""
    saved_at: datetime | None = None


@dataclass(frozen=True)
class SheetPreview:
    """What a filled workbook would change, and what applying it needs (plain data, signable)."""

    assessment_id: int
    export_version: int
    sha256: str
    changes: tuple[SheetChange, ...]
    #: question id -> [value, evidence, motivation, evidence_ref, stored digest at preview]
    payload: dict[str, list[Any]]
    unchanged: int

    @property
    def conflicts(self) -> list[SheetChange]:
        """Return the changes that clash with an answer saved since the export."""
        return [c for c in self.changes if c.kind == "conflict"]


def vendor_questions(ruleset: rules.RuleSet, chosen: Iterable[str] | None = None) -> list[rules.Question]:
    """Return the questions of the sheet, in catalogue order: the chosen ones, else those the provider answers."""
    if chosen is not None:
        wanted = set(chosen)
        unknown = sorted(wanted - set(ruleset.by_id))
        if unknown:
            raise ValidationFailed(_("Okända frågor: %(questions)s.", questions=", ".join(unknown)))
        return [q for q in ruleset.order if q.id in wanted]
    return [q for q in ruleset.order if q.answered_by == PROVIDER]


def _exported(given: AnswerInput) -> list[Any]:
    return [given.value, given.evidence, given.motivation, given.evidence_ref]


def export_vendor_sheet(assessment: Assessment, lang: str, chosen: Iterable[str] | None = None) -> bytes:
    """Return the vendor's questionnaire of the assessment as XLSX bytes, in the language ("sv" or "en")."""
    lang = "en" if lang == "en" else "sv"
    ruleset = ruleset_for(assessment)
    questions = vendor_questions(ruleset, chosen)
    stored = {row.question_id: row for row in assessment.answers}
    book = Workbook()
    guide = book.active
    guide.title = GUIDE[lang]
    sheet = book.create_sheet(QUESTIONS[lang])
    lists = book.create_sheet(LISTS[lang])
    about = book.create_sheet(ABOUT[lang])
    alternative = assessment.alternative
    _write_guide(guide, assessment, ruleset, lang, len(questions))

    headers = {
        COL_ID: _("Fråge-id"),
        COL_QUESTION: _("Fråga"),
        COL_TEXT: _("Frågetext"),
        COL_HELP: _("Hjälptext"),
        COL_ANSWER: _("Svar"),
        COL_EVIDENCE: _("Underlagsnivå"),
        COL_MOTIVATION: _("Motivering"),
        COL_REF: _("Referens till underlag"),
        COL_EXPORTED: _("Exporterat svar"),
    }
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7F0")
    answer_fill = PatternFill("solid", fgColor="FFF8DC")
    for col, title in headers.items():
        cell = sheet.cell(row=1, column=col, value=title)
        cell.font = bold
        cell.fill = fill
    widths = {COL_QUESTION: 34, COL_TEXT: 60, COL_HELP: 50, COL_ANSWER: 32, COL_EVIDENCE: 30, COL_MOTIVATION: 50}
    for col, width in widths.items():
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.column_dimensions[get_column_letter(COL_REF)].width = 30
    sheet.column_dimensions[get_column_letter(COL_ID)].hidden = True
    sheet.column_dimensions[get_column_letter(COL_EXPORTED)].hidden = True
    sheet.freeze_panes = sheet.cell(row=FIRST_ROW, column=COL_ANSWER)

    # The evidence levels, then one list of option labels per distinct set of options, on the hidden sheet.
    evidence_items = [f"{code} – {EVIDENCE_LABELS[code][0 if lang == 'sv' else 1]}" for code in Evidence.__members__]
    for i, item in enumerate(evidence_items, start=1):
        lists.cell(row=i, column=1, value=item)
    evidence_rule = DataValidation(
        type="list",
        formula1=f"'{LISTS[lang]}'!$A$1:$A${len(evidence_items)}",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Underlagsnivå"),
        error=_("Välj en underlagsnivå E0–E4 i listan."),
    )
    sheet.add_data_validation(evidence_rule)
    option_rules: dict[tuple[str, ...], DataValidation] = {}
    wrap = Alignment(wrap_text=True, vertical="top")
    for offset, question in enumerate(questions):
        row = FIRST_ROW + offset
        given = answer_input_of(stored.get(question.id))
        labels = tuple(option.label.get(lang) for option in question.options)
        sheet.cell(row=row, column=COL_ID, value=question.id)
        sheet.cell(row=row, column=COL_QUESTION, value=f"{question.id} {question.title.get(lang)}")
        sheet.cell(row=row, column=COL_TEXT, value=question.text.get(lang))
        sheet.cell(row=row, column=COL_HELP, value=question.help.get(lang) if question.help else "")
        answer = sheet.cell(row=row, column=COL_ANSWER, value=_value_text(question, given.value, lang))
        answer.fill = answer_fill
        evidence = sheet.cell(row=row, column=COL_EVIDENCE, value=evidence_items[int(given.evidence[1])])
        evidence.fill = answer_fill
        sheet.cell(row=row, column=COL_MOTIVATION, value=given.motivation or None).fill = answer_fill
        sheet.cell(row=row, column=COL_REF, value=given.evidence_ref or None).fill = answer_fill
        sheet.cell(row=row, column=COL_EXPORTED, value=json.dumps(_exported(given), ensure_ascii=False))
        for col in (COL_QUESTION, COL_TEXT, COL_HELP, COL_ANSWER, COL_MOTIVATION):
            sheet.cell(row=row, column=col).alignment = wrap
        evidence_rule.add(evidence.coordinate)
        if question.type != "text" and labels:
            rule = option_rules.get(labels)
            if rule is None:
                column = len(option_rules) + 2
                for i, label in enumerate(labels, start=1):
                    lists.cell(row=i, column=column, value=label)
                letter = get_column_letter(column)
                rule = DataValidation(
                    type="list",
                    formula1=f"'{LISTS[lang]}'!${letter}$1:${letter}${len(labels)}",
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle=_("Svar"),
                    error=_("Välj ett av svarsalternativen i listan."),
                )
                sheet.add_data_validation(rule)
                option_rules[labels] = rule
            rule.add(answer.coordinate)
    lists.sheet_state = "hidden"

    facts = [
        ("format", FORMAT),
        ("assessment_id", assessment.id),
        ("assessment_version", assessment.version),
        ("ruleset", f"{assessment.ruleset_id}@{assessment.ruleset_version}"),
        ("ruleset_sha256", assessment.ruleset_sha256),
        ("language", lang),
        ("case", alternative.case.title),
        ("alternative", alternative.name),
        ("scope", assessment.scope),
        ("exported_at", utcnow().isoformat(timespec="seconds")),
    ]
    for i, (key, value) in enumerate(facts, start=1):
        about.cell(row=i, column=1, value=key)
        about.cell(row=i, column=2, value=value)
    about.sheet_state = "hidden"
    book.active = 0
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write_guide(sheet: Any, assessment: Assessment, ruleset: rules.RuleSet, lang: str, count: int) -> None:
    alternative = assessment.alternative
    lines = [
        _("Frågeformulär till leverantören"),
        "",
        _("Ärende: %(case)s", case=alternative.case.title),
        _("Alternativ: %(alternative)s – %(scope)s", alternative=alternative.name, scope=assessment.scope),
        _(
            "Regelverk: %(ruleset)s (%(id)s v%(version)s)",
            ruleset=ruleset.title.get(lang),
            id=ruleset.id,
            version=ruleset.version,
        ),
        _("Antal frågor: %(num)s", num=count),
        "",
        _("Så fyller du i"),
        _(
            "1. Gå till bladet %(sheet)s. Varje rad är en fråga; läs frågetexten och hjälptexten.",
            sheet=QUESTIONS[lang],
        ),
        _("2. Välj svaret i listan i kolumnen Svar (frågor med fritt svar: skriv texten). Välj Okänt om ni inte vet."),
        _("3. Välj underlagsnivå i listan: vad svaret bygger på."),
        _("4. Skriv gärna en motivering och en referens till underlaget (avtal, certifikat, rapport med avsnitt)."),
        _(
            "5. Ändra inte andra kolumner, blad eller rader, och lägg inte till rader. "
            "Spara som .xlsx och skicka tillbaka filen."
        ),
        "",
        _("Underlagsnivåer"),
        *(f"{code} – {EVIDENCE_LABELS[code][0 if lang == 'sv' else 1]}" for code in Evidence.__members__),
        "",
        _(
            "Regionen läser in filen och granskar varje ändring innan den sparas. Svar som någon i regionen har "
            "ändrat efter att filen skapades visas som konflikter och sparas inte utan att någon tar ställning."
        ),
    ]
    sheet.column_dimensions["A"].width = 110
    for i, line in enumerate(lines, start=1):
        cell = sheet.cell(row=i, column=1, value=line or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if i in (1, 8, 15):
            cell.font = Font(bold=True, size=14 if i == 1 else 12)


def _value_text(question: rules.Question, value: Any, lang: str) -> str | None:
    if value is None:
        return None
    if question.type == "text":
        return str(value)
    return question.label(value, lang)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def _parse_value(question: rules.Question, raw: str) -> tuple[Any, bool]:
    """Return (value, ok) for a cell's text: an option id matched by label in either language, or the id."""
    if not raw:
        return None, True
    if question.type == "text":
        return raw, True
    wanted = raw.casefold()
    for option in question.options:
        if wanted in (
            option.label.sv.strip().casefold(),
            option.label.en.strip().casefold(),
            str(option.id).casefold(),
        ):
            return option.id, True
    return None, False


def read_vendor_sheet(assessment: Assessment, data: bytes) -> SheetPreview:
    """Read a filled workbook against the assessment's stored answers; return the preview of its changes.

    Raise SheetProblems (one message per cell, "Blad Frågor, cell E7: ...") when the file cannot be read as
    it is; nothing is changed either way.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise SheetProblems(_("Filen är inte en Excel-arbetsbok (.xlsx). Spara den som .xlsx och försök igen."))
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken package
        raise SheetProblems(_("Arbetsboken kan inte läsas (den är skadad eller inte en .xlsx-fil).")) from None
    sheet_name = next((name for name in QUESTIONS.values() if name in book.sheetnames), None)
    about_name = next((name for name in ABOUT.values() if name in book.sheetnames), None)
    if sheet_name is None:
        raise SheetProblems(
            _(
                "Arbetsboken saknar bladet %(sv)s (%(en)s). Använd filen som exporterades.",
                sv=QUESTIONS["sv"],
                en=QUESTIONS["en"],
            )
        )
    if about_name is None:
        raise SheetProblems(
            _("Arbetsboken saknar det dolda bladet %(name)s. Använd filen som exporterades.", name=ABOUT["sv"])
        )
    facts = {_cell_text(r[0].value): r[1].value for r in book[about_name].iter_rows(min_row=1, max_col=2) if r[0].value}
    problems: list[str] = []

    def where(cell: str, message: str) -> str:
        return _("Blad %(sheet)s, cell %(cell)s: %(problem)s", sheet=sheet_name, cell=cell, problem=message)

    if facts.get("format") != FORMAT:
        raise SheetProblems(_("Arbetsboken är inte ett frågeformulär från Molnbedömning."))
    if str(facts.get("assessment_id")) != str(assessment.id):
        raise SheetProblems(
            _(
                "Arbetsboken hör till bedömning %(other)s, inte till den här (%(id)s).",
                other=facts.get("assessment_id"),
                id=assessment.id,
            )
        )
    if facts.get("ruleset") != f"{assessment.ruleset_id}@{assessment.ruleset_version}":
        raise SheetProblems(
            _(
                "Arbetsboken gjordes för regelverket %(other)s; bedömningen följer %(id)s@%(version)s.",
                other=facts.get("ruleset"),
                id=assessment.ruleset_id,
                version=assessment.ruleset_version,
            )
        )
    try:
        export_version = int(str(facts.get("assessment_version")))
    except ValueError:
        raise SheetProblems(_("Arbetsboken saknar bedömningens version från exporten.")) from None

    ruleset = ruleset_for(assessment)
    stored = {row.question_id: row for row in assessment.answers}
    sheet = book[sheet_name]
    seen: set[str] = set()
    changes: list[SheetChange] = []
    payload: dict[str, list[Any]] = {}
    unchanged = 0
    lang = "en" if sheet_name == QUESTIONS["en"] else "sv"
    for row_cells in sheet.iter_rows(min_row=FIRST_ROW, max_row=FIRST_ROW + MAX_ROWS, max_col=COL_EXPORTED):
        cells = {c.column: c for c in row_cells if hasattr(c, "column")}
        row_no = row_cells[0].row
        qid = _cell_text(cells[COL_ID].value) if COL_ID in cells else ""
        if not qid:
            if any(_cell_text(cells[c].value) for c in (COL_ANSWER, COL_MOTIVATION, COL_REF) if c in cells):
                problems.append(where(f"A{row_no}", _("raden saknar fråge-id (lägg inte till rader).")))
            continue

        def at(col: int, message: str, row_no: int = row_no) -> str:
            return where(f"{get_column_letter(col)}{row_no}", message)

        question = ruleset.by_id.get(qid)
        if question is None:
            problems.append(at(COL_ID, _("okänd fråga %(question)s.", question=qid)))
            continue
        if qid in seen:
            problems.append(at(COL_ID, _("frågan %(question)s finns på två rader.", question=qid)))
            continue
        seen.add(qid)
        raw = _cell_text(cells[COL_ANSWER].value)
        value, ok = _parse_value(question, raw)
        if not ok:
            choices = ", ".join(o.label.get(lang) for o in question.options)
            problems.append(
                at(
                    COL_ANSWER,
                    _("«%(value)s» finns inte bland svarsalternativen (%(choices)s).", value=raw, choices=choices),
                )
            )
        elif question.type == "text" and value is not None and len(value) > MAX_TEXT:
            problems.append(at(COL_ANSWER, _("högst %(max)s tecken.", max=MAX_TEXT)))
        raw_evidence = _cell_text(cells[COL_EVIDENCE].value)
        match = _EVIDENCE.match(raw_evidence + " ")
        evidence = match.group(1).upper() if match else ("E1" if not raw_evidence else "")
        if not evidence:
            problems.append(at(COL_EVIDENCE, _("«%(value)s» är ingen underlagsnivå; välj E0–E4.", value=raw_evidence)))
        motivation = _cell_text(cells[COL_MOTIVATION].value)
        reference = _cell_text(cells[COL_REF].value)
        if len(motivation) > MAX_TEXT:
            problems.append(at(COL_MOTIVATION, _("högst %(max)s tecken.", max=MAX_TEXT)))
        if len(reference) > MAX_REF:
            problems.append(at(COL_REF, _("högst %(max)s tecken.", max=MAX_REF)))
        try:
            exported = json.loads(str(cells[COL_EXPORTED].value))
            if not isinstance(exported, list) or len(exported) != 4:
                raise ValueError(exported)
        except (ValueError, KeyError):
            problems.append(at(COL_EXPORTED, _("det dolda exporterade svaret är ändrat eller saknas.")))
            continue
        if problems:
            continue
        now = answer_input_of(stored.get(qid))
        in_file = [value, evidence, motivation, reference]
        if in_file == exported:
            unchanged += 1
            continue  # the vendor left it as exported (whatever was saved here since stays)
        if in_file == _exported(now):
            unchanged += 1
            continue  # already the same
        row = stored.get(qid)
        saved_since = _exported(now) != exported
        kind = "conflict" if saved_since else ("new" if now.value is None else "changed")
        changes.append(
            SheetChange(
                qid,
                question.title.get(lang),
                kind,
                _value_text(question, now.value, lang) or _("Obesvarad"),
                now.evidence,
                _value_text(question, value, lang) or _("Obesvarad"),
                evidence,
                motivation,
                (row.updated_by.display_name if row is not None and row.updated_by else "") if saved_since else "",
                row.updated_at if row is not None and saved_since else None,
            )
        )
        payload[qid] = [*in_file, answer_digest(now)]
    if problems:
        raise SheetProblems(*problems)
    changes.sort(key=lambda c: ruleset.by_id[c.question_id].index)
    return SheetPreview(assessment.id, export_version, sha256, tuple(changes), payload, unchanged)


def apply_vendor_sheet(
    assessment: Assessment,
    payload: dict[str, list[Any]],
    export_version: int,
    sha256: str,
    filename: str,
    actor: User,
    conflicts: Iterable[str] = (),
    take_conflicts: Iterable[str] = (),
) -> SaveResult:
    """Save a preview's changes (conflicts only those taken deliberately) and audit them as the vendor's file's."""
    skip = set(conflicts) - set(take_conflicts)
    stored: dict[str, Answer] = {row.question_id: row for row in assessment.answers}
    inputs: dict[str, AnswerInput] = {}
    base: dict[str, str] = {}
    for qid, (value, evidence, motivation, reference, digest) in sorted(payload.items()):
        if qid in skip:
            continue
        now = answer_input_of(stored.get(qid))
        inputs[qid] = replace(now, value=value, evidence=evidence, motivation=motivation, evidence_ref=reference)
        base[qid] = digest
    result = save_answers(assessment, inputs, export_version, actor, base)
    record_event(
        actor,
        "assessment",
        assessment.id,
        "vendor_sheet.import",
        None,
        {
            "source": "vendor_sheet",
            "filename": filename,
            "sha256": sha256,
            "export_version": export_version,
            "changed": list(result.changed),
            "conflicts_skipped": sorted(skip),
        },
        assessment_id=assessment.id,
    )
    return result
