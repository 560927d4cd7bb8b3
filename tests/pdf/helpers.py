"""Read rendered PDFs the way a reader (or an archive) would: text, pages as images, PDF objects."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader


def page_texts(pdf: bytes) -> list[str]:
    """Return the extracted text of every page, whitespace collapsed to single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]


def all_text(pdf: bytes) -> str:
    """Return the text of the whole document, whitespace collapsed."""
    return " ".join(page_texts(pdf))


def squashed(text: str) -> str:
    """Return text without any whitespace (to find phrases that wrap across lines)."""
    return re.sub(r"\s+", "", text)


def require_pdftoppm() -> str:
    """Return the path of pdftoppm; skip when it is missing, but fail in CI, which installs it."""
    path = shutil.which("pdftoppm")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("pdftoppm is missing in CI: .ci/run installs poppler-utils")
        pytest.skip("pdftoppm (poppler-utils) is not installed: apt-get install poppler-utils")
    return path


def render_page(pdf: bytes, page: int, tmp_path: Path, dpi: int = 50) -> Image.Image:
    """Render one page (1-based) to an RGB image with pdftoppm."""
    tool = require_pdftoppm()
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    prefix = tmp_path / f"page{page}"
    subprocess.run(
        [tool, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(source), str(prefix)],
        check=True,
        capture_output=True,
    )
    with Image.open(prefix.with_suffix(".png")) as image:
        return image.convert("RGB")


def ink_share(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> float:
    """Return the share of pixels that are not (near) white, in the whole image or a box."""
    region = image.crop(box) if box else image
    grey = region.convert("L")
    histogram = grey.histogram()
    dark = sum(histogram[:240])
    return dark / max(1, grey.width * grey.height)
