from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from questions.models import Choice, Lens, LensVersion, Pillar, Question, RiskRule

LENSES = Path(__file__).parent / "data" / "lenses"
LENS_FILES = sorted(LENSES.glob("*.json"))


def load(name: str) -> dict[str, Any]:
    return json.loads((LENSES / name).read_text(encoding="utf-8-sig"))


def dump(doc: Any) -> bytes:
    return json.dumps(doc).encode("utf-8")


def row_counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Lens, LensVersion, Pillar, Question, Choice, RiskRule)
    )
