"""Importers for third-party configuration models: each reads one format into a product document
(docs/product-format.md), so that imports go through the usual all-or-nothing validation and the
product services. See docs/importers.md for the formats, the mapping rules and the limits.

>>> document = read_model(Path("bike.uvl"))                # format from the extension
>>> product = product_import(document=document, publish=True)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .base import ImportedModel, ProductInfo, read_source
from .dimacs import load_dimacs, read_dimacs
from .errors import ModelFileError, ModelTooLargeError, UnsupportedModelError
from .featureide import load_featureide, read_featureide
from .sxfm import load_sxfm, read_sxfm
from .uvl import load_uvl, read_uvl
from .xcsp import load_xcsp, read_xcsp

#: ``json`` is the product document itself; the others are third-party model formats.
FORMATS = ("json", "uvl", "xcsp", "featureide", "dimacs", "sxfm")
MODEL_FORMATS = FORMATS[1:]
EXTENSIONS = {
    ".json": "json",
    ".uvl": "uvl",
    ".dimacs": "dimacs",
    ".cnf": "dimacs",
    ".sxfm": "sxfm",
    ".splx": "sxfm",
    ".xml": "xml",  # sniffed: XCSP, FeatureIDE or SXFM
}
_ROOT_TAG = re.compile(rb"<([A-Za-z_][\w.-]*)")

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "MODEL_FORMATS",
    "ImportedModel",
    "ModelFileError",
    "ModelTooLargeError",
    "ProductInfo",
    "UnsupportedModelError",
    "detect_format",
    "load_dimacs",
    "load_featureide",
    "load_model",
    "load_sxfm",
    "load_uvl",
    "load_xcsp",
    "read_dimacs",
    "read_featureide",
    "read_model",
    "read_sxfm",
    "read_uvl",
    "read_xcsp",
]


def sniff_xml(data: bytes | str, source: str) -> str:
    """``xcsp``, ``featureide`` or ``sxfm`` from the root element of an XML model."""
    head = data[:65536]
    if isinstance(head, str):
        head = head.encode("utf-8", "replace")
    # Skip the declaration, comments, processing instructions and a doctype.
    head = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", b"", head, flags=re.DOTALL)
    match = _ROOT_TAG.search(head)
    tag = match.group(1).decode("ascii", "replace") if match else ""
    if tag == "instance":
        return "xcsp"
    if tag in ("featureModel", "extendedFeatureModel"):
        return "featureide"
    if tag == "feature_model":
        return "sxfm"
    raise ModelFileError(
        f"cannot tell the format of this XML file from its root element <{tag}> (expected <instance> "
        "for XCSP, <featureModel>/<extendedFeatureModel> for FeatureIDE, <feature_model> for SXFM); "
        "give --format",
        source=source,
    )


def detect_format(name: str, data: bytes | str | None = None) -> str:
    """The format of a file from its extension (``.xml``: from its root element)."""
    suffix = Path(name).suffix.lower()
    found = EXTENSIONS.get(suffix)
    if found is None:
        known = ", ".join(sorted(EXTENSIONS))
        raise ModelFileError(
            f"unknown extension {suffix or '(none)'!r} (known: {known}); give --format", source=name
        )
    if found == "xml":
        if data is None:
            data = Path(name).read_bytes()
        return sniff_xml(data, Path(name).name)
    return found


def load_model(
    source: str | bytes | Path,
    *,
    format: str | None = None,
    filename: str | None = None,
    info: ProductInfo | None = None,
    names_dir: Path | None = None,
    find_names: bool = True,
    groups: bool = True,
) -> ImportedModel:
    """Read a model in any supported format (``Path``: a file; ``str``/``bytes``: the content, named
    ``filename``). ``format`` None: detected from the file name. ``names_dir``/``find_names``: XCSP
    value names; ``groups``: DIMACS group recovery."""
    info = info or ProductInfo()
    name = filename or (source.name if isinstance(source, Path) else "<model>")
    if format is None:
        data = None
        if isinstance(source, Path) and source.suffix.lower() == ".xml":
            data, _ = read_source(source, filename=filename, binary=True)
        format = detect_format(
            name, data if data is not None else (source if not isinstance(source, Path) else None)
        )
    if format not in FORMATS:
        raise ModelFileError(f"unknown format {format!r} (known: {', '.join(FORMATS)})", source=name)
    try:
        if format == "json":
            imported = _load_json(source, filename=filename, info=info)
        elif format == "uvl":
            imported = load_uvl(source, filename=filename, info=info)
        elif format == "featureide":
            imported = load_featureide(source, filename=filename, info=info)
        elif format == "sxfm":
            imported = load_sxfm(source, filename=filename, info=info)
        elif format == "dimacs":
            imported = load_dimacs(source, filename=filename, info=info, groups=groups)
        else:
            imported = load_xcsp(
                source, filename=filename, info=info, names_dir=names_dir, find_names=find_names
            )
    except RecursionError:
        raise ModelTooLargeError("the model nests too deeply to be read", source=name) from None
    imported.format = format
    return imported


def read_model(source: str | bytes | Path, **options: Any) -> dict[str, Any]:
    """The product document of a model in any supported format; see :func:`load_model`."""
    return load_model(source, **options).document


def _load_json(source: str | bytes | Path, *, filename: str | None, info: ProductInfo) -> ImportedModel:
    text, name = read_source(source, filename=filename)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ModelFileError(
            f"not valid JSON: {error.msg}",
            source=name,
            line=error.lineno,
            column=error.colno,
            code="invalid_json",
        ) from None
    if isinstance(document, dict):
        overrides = {"code": info.code, "name": info.name, "description": info.description}
        document.update({key: value for key, value in overrides.items() if value is not None})
        if info.currency is not None:
            document["currency"] = info.currency
        if info.price is not None:
            document.setdefault("baseline", {})
            if isinstance(document["baseline"], dict):
                document["baseline"]["price"] = str(info.price)
    return ImportedModel(document=document)
