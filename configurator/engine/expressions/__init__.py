"""The condition language of rules and price rules: parsed with a whitelist, never ``eval``ed.

>>> node = condition("width * height <= 20000", option_sets)
>>> node.evaluate({"width": Decimal(100), "height": Decimal(150)})
True
"""

from __future__ import annotations

from collections.abc import Mapping

from ..model import OptionSet
from .check import check
from .nodes import Node, Type
from .parser import parse

__all__ = ["Node", "Type", "check", "condition", "parse"]


def condition(source: str, option_sets: Mapping[str, OptionSet]) -> Node:
    """Parse and type-check a condition against a product's option sets."""
    return check(parse(source), option_sets, source)
