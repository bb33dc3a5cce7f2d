"""SPLOT SXFM models (``.sxfm``, ``.splx``).

An XML wrapper ``<feature_model name=...>`` holds a ``<feature_tree>`` and ``<constraints>`` as
text. Tree lines are indented by tabs: ``:r Name(id)`` the root, ``:m Name(id)`` a mandatory child,
``:o Name(id)`` an optional child, ``:g (id) [lo,hi]`` a group (``*``: no upper bound) whose
members are the lines ``: Name(id)`` one level deeper; a group is not a feature, its members hang
under the feature above it. Constraints are clauses over ids, one per line:
``c58:~xpslaptops or ~dvdrwandcdrwcombo``. Features are keyed by id; the name is the display name.
"""

from __future__ import annotations

import re
from pathlib import Path

from .base import ImportedModel, ProductInfo, read_source
from .errors import ModelFileError
from .featuremodel import Constraint, Feature, FeatureModel, Group, feature_model_document
from .formula import Not, Or, Var
from .naming import clause_text
from .xmltools import parse_xml

_FEATURE = re.compile(r"^:(?P<kind>[rmo]?)\s+(?P<name>.*?)\s*\((?P<id>[^()]*)\)\s*$")
_GROUP = re.compile(r"^:g\s*(?:\((?P<id>[^()]*)\))?\s*\[\s*(?P<low>\d+|\*)\s*,\s*(?P<high>\d+|\*)\s*\]\s*$")
_CONSTRAINT = re.compile(r"^(?P<label>[^:\s]+)\s*:\s*(?P<body>.+)$")
_LITERAL = re.compile(r"^(?P<negated>~?)\s*(?P<id>[^\s~()]+)$")


def read_sxfm(
    source: str | bytes | Path, *, filename: str | None = None, info: ProductInfo | None = None
) -> dict:
    return load_sxfm(source, filename=filename, info=info).document


def load_sxfm(
    source: str | bytes | Path, *, filename: str | None = None, info: ProductInfo | None = None
) -> ImportedModel:
    data, name = read_source(source, filename=filename, binary=True)
    return feature_model_document(parse_sxfm(data, name), info or ProductInfo())


def parse_sxfm(data: str | bytes, source: str = "<model>") -> FeatureModel:
    xml = parse_xml(data, source)
    root = xml.root
    if root.tag != "feature_model":
        raise xml.error(root, "not a SPLOT model (the root element is not <feature_model>)")
    tree = root.find("feature_tree")
    if tree is None:
        raise xml.error(root, "the model has no <feature_tree>")
    feature_root = _tree(tree.text or "", xml.line(tree) or 1, source)
    constraints: list[Constraint] = []
    section = root.find("constraints")
    if section is not None:
        first = xml.line(section) or 1
        for offset, raw in enumerate((section.text or "").split("\n")):
            line = raw.strip()
            if line:
                constraints.append(_constraint(line, first + offset, source))
    labels = {feature.name: feature.title for feature in _walk(feature_root)}
    for constraint in constraints:
        literals = (
            constraint.formula.operands if isinstance(constraint.formula, Or) else (constraint.formula,)
        )
        negative = [
            labels.get(item.operand.name, item.operand.name)
            for item in literals
            if isinstance(item, Not) and isinstance(item.operand, Var)
        ]
        positive = [labels.get(item.name, item.name) for item in literals if isinstance(item, Var)]
        constraint.text = clause_text(negative, positive)
    description = ""
    meta = root.find("meta")
    if meta is not None:
        for data_element in meta.findall("data"):
            if data_element.get("name") == "description" and data_element.text:
                description = " ".join(data_element.text.split())
    return FeatureModel(
        root=feature_root,
        constraints=constraints,
        source=source,
        name=root.get("name"),
        description=description,
    )


def _depth(raw: str) -> int:
    """Indentation: tabs count one level each; spaces count a level per 4 (after tabs)."""
    stripped = raw.lstrip("\t")
    tabs = len(raw) - len(stripped)
    spaces = len(stripped) - len(stripped.lstrip(" "))
    return tabs + spaces // 4


def _tree(text: str, first_line: int, source: str) -> Feature:
    root: Feature | None = None
    # stack of (depth, node) where node is a Feature or a Group
    stack: list[tuple[int, Feature | Group]] = []
    for offset, raw in enumerate(text.split("\n")):
        if not raw.strip():
            continue
        line = first_line + offset
        depth = _depth(raw)
        content = raw.strip()

        def fail(reason: str, line: int = line, content: str = content) -> ModelFileError:
            return ModelFileError(f"{reason}: {content!r}", source=source, line=line)

        while stack and stack[-1][0] >= depth:
            stack.pop()
        parent = stack[-1][1] if stack else None
        if stack and stack[-1][0] != depth - 1:
            raise fail(f"indented {depth - stack[-1][0]} levels below the line above it")
        group_match = _GROUP.match(content)
        if group_match:
            if not isinstance(parent, Feature):
                raise fail("a group must be under a feature")
            low = 0 if group_match["low"] == "*" else int(group_match["low"])
            high = None if group_match["high"] == "*" else int(group_match["high"])
            if high is not None and high < low:
                raise fail("the group's upper bound is below its lower bound")
            group = Group("cardinality", [], low=low, high=high, line=line)
            parent.groups.append(group)
            stack.append((depth, group))
            continue
        match = _FEATURE.match(content)
        if not match:
            raise fail(
                "not a feature line (':r', ':m', ':o', ': ' with 'Name(id)') nor a group (':g [lo,hi]')"
            )
        kind, name, key = match["kind"], match["name"].strip(), match["id"].strip()
        if not key:
            raise fail("a feature needs an id in parentheses")
        feature = Feature(name=key, label=name or key, line=line, element=f"feature {name or key!r} ({key})")
        if kind == "r":
            if root is not None or stack:
                raise fail("a second root")
            root = feature
        elif parent is None:
            raise fail("a feature outside the root")
        elif kind == "":
            if not isinstance(parent, Group):
                raise fail("a group member (': ') must be under a group (':g')")
            parent.children.append(feature)
        else:
            if not isinstance(parent, Feature):
                raise fail("a group holds members (': '), not ':m' or ':o' features")
            group_kind = "mandatory" if kind == "m" else "optional"
            if parent.groups and parent.groups[-1].kind == group_kind:
                parent.groups[-1].children.append(feature)
            else:
                parent.groups.append(Group(group_kind, [feature], line=line))
        stack.append((depth, feature))
    if root is None:
        raise ModelFileError("the feature tree has no root (':r')", source=source, line=first_line)
    for feature in _walk(root):
        for group in feature.groups:
            if not group.children:
                raise ModelFileError("a group without members", source=source, line=group.line)
    return root


def _walk(root: Feature):
    stack = [root]
    while stack:
        feature = stack.pop()
        yield feature
        for group in feature.groups:
            stack.extend(group.children)


def _constraint(text: str, line: int, source: str) -> Constraint:
    match = _CONSTRAINT.match(text)
    if not match:
        raise ModelFileError(
            f"not a constraint ('label: literal or literal ...'): {text!r}", source=source, line=line
        )
    literals = []
    for part in re.split(r"\s+or\s+", match["body"].strip()):
        literal = _LITERAL.match(part.strip())
        if not literal:
            raise ModelFileError(
                f"constraint {match['label']}: {part.strip()!r} is not a literal (id or ~id); "
                "SXFM constraints are clauses joined by 'or'",
                source=source,
                line=line,
            )
        var = Var(literal["id"])
        literals.append(Not(var) if literal["negated"] else var)
    formula = literals[0] if len(literals) == 1 else Or(tuple(literals))
    return Constraint(formula, text, line=line, label=match["label"])
