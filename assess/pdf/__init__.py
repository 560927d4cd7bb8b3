"""PDF renderers: plain report data in, PDF/A-2b bytes out; never Flask, never the database."""

from assess.pdf.assessment import render_assessment_report
from assess.pdf.comparison import render_comparison_report

__all__ = ["render_assessment_report", "render_comparison_report"]
