"""Time the assessment report against ReportLab laying out the same text as plain paragraphs.

The baseline walks every paragraph out of the report's own flowables and lays their text out one after another
in a SimpleDocTemplate with the same embedded font: the same text (the short field labels, bullets in the
report, left out), without tables, page templates, header and footer, chart, page numbers or the PDF/A step.
A second figure lays out only the data's free texts (motivations, reasons, question texts), for reference.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable, Iterable, Iterator

from reportlab.lib.pagesizes import A4
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Table

from assess.pdf import render_assessment_report, render_comparison_report
from assess.pdf.assessment import assessment_story
from assess.pdf.data import AssessmentReport
from assess.pdf.layout import Band, esc, styles
from tests.pdf.factories import make_assessment, make_comparison

RUNS = 7


def _paragraphs(flowables: Iterable[Flowable]) -> Iterator[Paragraph]:
    for flowable in flowables:
        if isinstance(flowable, Paragraph):
            yield flowable
        elif isinstance(flowable, KeepTogether):
            yield from _paragraphs(flowable._content)
        elif isinstance(flowable, Band):
            yield from _paragraphs([flowable.left, flowable.right])
        elif isinstance(flowable, Table):
            for row in flowable._cellvalues:
                yield from _paragraphs(cell for cell in row if isinstance(cell, Flowable))


def report_markup(data: AssessmentReport) -> list[str]:
    """Return the markup of every paragraph the assessment report prints."""
    # A field's label is its bullet; it stays a bullet here, so that the label costs the same in both.
    return [paragraph.text for paragraph in _paragraphs(assessment_story(data))]


def baseline(texts: list[str]) -> bytes:
    """Lay out the texts as plain Paragraphs in a SimpleDocTemplate (same embedded font)."""
    style = styles().body
    buffer = io.BytesIO()
    # Uncompressed page streams, as in the report (pikepdf compresses them there): layout against layout.
    document = SimpleDocTemplate(buffer, pagesize=A4, pageCompression=0)
    document.build([Paragraph(text, style) for text in texts])
    return buffer.getvalue()


#: The issue's goal for the assessment report against the plain-paragraph baseline.
GOAL = 1.15


def _timed(work: Callable[[], bytes]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _cpu(work: Callable[[], bytes]) -> float:
    # CPU time of this process: on a busy machine wall time also counts the other processes' turns.
    started = time.process_time()
    work()
    return time.process_time() - started


def data_texts(data: AssessmentReport) -> list[str]:
    """Return only the free texts of the report data (no labels, headings or summary tables), escaped."""
    texts = [data.case_title, data.alternative, data.scope]
    for section in data.areas:
        for q in section.questions:
            texts += [f"{q.id} {q.title}", q.text, q.answer or "", q.motivation, q.evidence_reference, q.reason]
            texts += [ref.text for ref in q.references]
    texts += [k.reason for k in data.knockouts]
    texts += [m.text for c in data.conditions for m in c.mitigations]
    texts += [c.text for c in data.comments]
    return [esc(text) for text in texts if text]


def main() -> None:
    """Print the render time of a fully answered assessment next to the plain-paragraph baseline."""
    data = make_assessment()
    texts = report_markup(data)
    narrow = data_texts(data)
    questions = sum(len(section.questions) for section in data.areas)
    report_size = len(render_assessment_report(data))  # warm-up: fonts, caches
    baseline(texts)
    # Interleaved, so that a busy machine slows each alike.
    times: dict[str, list[float]] = {"report": [], "same": [], "data": [], "report_cpu": [], "same_cpu": []}
    for _ in range(RUNS):
        times["report"].append(_timed(lambda: render_assessment_report(data)))
        times["same"].append(_timed(lambda: baseline(texts)))
        times["data"].append(_timed(lambda: baseline(narrow)))
        times["report_cpu"].append(_cpu(lambda: render_assessment_report(data)))
        times["same_cpu"].append(_cpu(lambda: baseline(texts)))
    report, same, only = (statistics.median(times[key]) for key in ("report", "same", "data"))
    # The best CPU time of each: what another process's turn can only add to, never take away.
    report_cpu, same_cpu = min(times["report_cpu"]), min(times["same_cpu"])
    comparison = statistics.median(_timed(lambda: render_comparison_report(make_comparison(6))) for _ in range(RUNS))
    print(f"   assessment report, {questions} questions, PDF/A-2b: {report * 1000:6.1f} ms ({report_size // 1024} KiB)")
    print(f"   baseline: all {len(texts)} paragraphs it prints, plain: {same * 1000:6.1f} ms")
    print(
        f"   ratio report / baseline: {report / same:.2f}x wall (median), {report_cpu / same_cpu:.2f}x CPU (best: "
        f"{report_cpu * 1000:.1f} / {same_cpu * 1000:.1f} ms); goal <= {GOAL}x; {RUNS} interleaved runs"
    )
    print(f"   for reference: only the data's {len(narrow)} free texts, plain: {only * 1000:6.1f} ms")
    print(f"   ratio report / free texts only: {report / only:.2f}x")
    print(f"   comparison report, 6 alternatives, PDF/A-2b: {comparison * 1000:6.1f} ms")
