"""Pages about the tool itself: the accessibility statement (tillgänglighetsredogörelse)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("pages", __name__)


@bp.route("/tillganglighet")
def accessibility() -> str:
    return render_template("pages/accessibility.html")
