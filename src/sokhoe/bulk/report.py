"""Writing the list of rejected input lines for the person who must fix them."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from sokhoe.bulk.messages import Problem


def write_problems(path: Path, problems: Iterable[Problem], lang: str = "vi") -> None:
    """CSV with file, line, field and the message (UTF-8 with BOM, so Excel shows diacritics)."""
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["file", "line", "field", "code", "message"])
        for p in problems:
            writer.writerow([p.file, p.line or "", p.field or "", p.code, p.message(lang)])
