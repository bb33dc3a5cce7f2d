"""Named schemas of the configure contract that no serializer can express; the settings add them
to the OpenAPI components (no Django imports here: the settings read this module)."""

from __future__ import annotations

from typing import Any

#: The schema of one selection value; its meaning depends on the option set's kind.
SELECTION_VALUE_SCHEMA: dict[str, Any] = {
    "description": "By the option set's kind: single → an option code, or null for none (optional sets "
    "only); multi → a list of option codes; number → a number in the set's stepped range; text → a "
    "string; yes/no → true or false.",
    "type": ["string", "number", "boolean", "array", "null"],
    "items": {"type": "string"},
}
SELECTION_VALUE_REF = {"$ref": "#/components/schemas/SelectionValue"}
