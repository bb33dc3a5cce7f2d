"""The demo catalogue: realistic products of different character, as product documents."""

import json
from pathlib import Path
from typing import Any

DEMO_DIR = Path(__file__).resolve().parent


def demo_documents() -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(DEMO_DIR.glob("*.json"))]
