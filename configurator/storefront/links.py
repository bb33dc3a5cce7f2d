"""Configuration links: the selections, their version and the quantity as a query string, the
same format the configurator page reads and writes (static/storefront/js/api.js, ``linkQuery``).

Option set codes are identifiers (letters, digits, ``_``), so the two parameters of the link
itself start with a hyphen and can never clash with one. Values: a code, ``""`` for none, codes
joined by commas for a multiple choice, a number, text, ``true``/``false``. The order of the
parameters is the order of the choices, which repairs rely on (the most recent choices are kept)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

VERSION_PARAMETER = "-version"
QUANTITY_PARAMETER = "-quantity"


def link_value(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def configuration_query(*, selections: dict[str, Any], version: int | None, quantity: int = 1) -> str:
    pairs: list[tuple[str, str]] = []
    if version is not None:
        pairs.append((VERSION_PARAMETER, str(version)))
    if quantity != 1:
        pairs.append((QUANTITY_PARAMETER, str(quantity)))
    pairs.extend((code, link_value(value)) for code, value in selections.items())
    return urlencode(pairs)
