"""What every importer shares: product details given by the caller, the result, and the document's
frame (code, name, currency, baseline)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, overload

from products.documents import FORMAT

from .errors import ModelFileError, ModelTooLargeError
from .formula import Formula

CENT = Decimal("0.01")
#: Files larger than this are refused before they are read (the largest shared model is 3.9 MB).
MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ProductInfo:
    """Details the model file does not carry (or that the caller overrides)."""

    code: str | None = None
    name: str | None = None
    #: None: EUR (JSON documents: their own)
    currency: str | None = None
    #: the baseline price; None: the model's own (FeatureIDE: the root's price), else 0
    price: Decimal | None = None
    unit_cost: Decimal = Decimal(0)
    lead_time_days: int = 0
    description: str | None = None


@dataclass(slots=True)
class ImportedModel:
    """A product document and how the model's own names map into it.

    ``features``: feature (or CNF variable) name -> the literal that means "selected" (a
    :class:`~products.importers.formula.Lit`, or the constant true/false of
    :mod:`~products.importers.formula`). ``variables`` (CSP models): variable name -> (option set
    code, option code of each value index)."""

    document: dict[str, Any]
    features: dict[str, Formula] = field(default_factory=dict)
    variables: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: the format it was read from (set by :func:`products.importers.load_model`)
    format: str = ""


@overload
def read_source(
    source: str | bytes | Path, *, filename: str | None = None, binary: Literal[False] = False
) -> tuple[str, str]: ...
@overload
def read_source(
    source: str | bytes | Path, *, filename: str | None = None, binary: bool
) -> tuple[str | bytes, str]: ...
def read_source(
    source: str | bytes | Path, *, filename: str | None = None, binary: bool = False
) -> tuple[str | bytes, str]:
    """``(text, name)``: a :class:`~pathlib.Path` is a file to read; ``str``/``bytes`` are the model
    itself, named ``filename`` (default ``<model>``) in errors. ``binary``: bytes are returned as
    they are (XML, whose declaration names its encoding)."""
    data: str | bytes
    if isinstance(source, Path):
        name = filename or source.name
        try:
            size = source.stat().st_size
            if size > MAX_FILE_BYTES:
                raise ModelTooLargeError(
                    f"the file has {size:,} bytes; the import limit is {MAX_FILE_BYTES:,}", source=name
                )
            data = source.read_bytes()
        except OSError as error:
            raise ModelFileError(
                f"cannot read: {error.strerror or error}", source=name, code="unreadable"
            ) from None
    else:
        name = filename or "<model>"
        data = source
    if len(data) > MAX_FILE_BYTES:
        raise ModelTooLargeError(
            f"the model has {len(data):,} characters; the import limit is {MAX_FILE_BYTES:,}", source=name
        )
    text: str | bytes
    if isinstance(data, bytes) and not binary:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise ModelFileError(f"not UTF-8 text (byte {error.start})", source=name, line=line) from None
    else:
        text = data
    return text, name


def default_code(name: str) -> str:
    code = re.sub(r"[^-a-zA-Z0-9_]+", "-", name).strip("-").lower()
    return code[:64].strip("-") or "imported-model"


def money(value: Decimal, *, source: str, element: str, warnings: list[str]) -> Decimal:
    try:
        rounded = Decimal(value).quantize(CENT, rounding=ROUND_HALF_EVEN)
    except InvalidOperation:
        raise ModelFileError(f"{value} is not an amount of money", source=source, element=element) from None
    if rounded != value:
        warnings.append(f"{element}: price {value} rounded to {rounded}")
    return rounded


def parse_price(text: str, *, source: str, line: int | None, element: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ModelFileError(
            f"price {text!r} is not a number", source=source, line=line, element=element
        ) from None
    if not value.is_finite():
        raise ModelFileError(f"price {text!r} is not a number", source=source, line=line, element=element)
    return value


def frame(
    info: ProductInfo,
    *,
    source: str,
    model_name: str | None,
    description: str,
    baseline_price: Decimal,
    option_sets: list[dict[str, Any]],
    rules: list[dict[str, Any]],
    tables: list[dict[str, Any]],
) -> dict[str, Any]:
    """The product document around the option sets, rules and tables an importer made."""
    stem = Path(source).name.split(".")[0] if source and not source.startswith("<") else ""
    name = info.name or model_name or stem or "Imported model"
    price = info.price if info.price is not None else baseline_price
    if price < 0:
        raise ModelFileError(f"the baseline price would be {price}; give a price (--price)", source=source)
    return {
        "format": FORMAT,
        "code": info.code or default_code(stem or name),
        "name": " ".join(name.split())[:200],
        "description": info.description if info.description is not None else description,
        "currency": info.currency or "EUR",
        "active": True,
        "baseline": {
            "price": str(Decimal(price).quantize(CENT)),
            "unit_cost": str(Decimal(info.unit_cost).quantize(CENT)),
            "lead_time_days": info.lead_time_days,
        },
        "option_sets": option_sets,
        "rules": rules,
        "tables": tables,
    }
