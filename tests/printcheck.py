"""Reading a printed map back: the texts of a PDF page with their font and place on paper."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

#: Millimetres per PDF point.
MM_PER_PT = 25.4 / 72


def pdf_texts(data: bytes) -> list[tuple[str, float, float, str, float]]:
    """Every text run of the PDF's one page: ``(text, x, y, font, size)``, ``x`` and ``y``
    its origin (the baseline's left end) in mm from the page's lower left corner."""
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    found: list[tuple[str, float, float, str, float]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if text.strip():
            name = str(font.get("/BaseFont", "")) if font else ""
            found.append((text, cm[4] * MM_PER_PT, cm[5] * MM_PER_PT, name, float(size)))

    reader.pages[0].extract_text(visitor_text=visit)
    return found


def plan_numbers(data: bytes) -> list[tuple[str, float, float]]:
    """The numbers of a plan's points (the bold 7 pt texts): ``(label, x, y)`` in mm."""
    return [
        (text.strip(), x, y)
        for text, x, y, font, size in pdf_texts(data)
        if font.endswith("Bold") and abs(size - 7.0) < 1e-6
    ]
