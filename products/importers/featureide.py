"""FeatureIDE XML models (``<featureModel>`` and ``<extendedFeatureModel>``).

``<struct>`` nests ``<and>``, ``<or>``, ``<alt>`` (the group type of the element's children) and
leaf ``<feature>`` elements; ``mandatory="true"`` makes a child of an ``<and>`` mandatory (the flag
means nothing under ``<or>``/``<alt>``). ``<constraints>`` holds ``<rule>`` elements over ``<imp>``,
``<eq>``, ``<disj>``, ``<conj>``, ``<not>`` and ``<var>``. A ``Price`` attribute
(``<attribute name="Price" value="72.0"/>``) is the feature's price: the root's price is the
baseline price, every other feature's a price delta (see products/importers/featuremodel.py).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from .base import ImportedModel, ProductInfo, parse_price, read_source
from .errors import UnsupportedModelError
from .featuremodel import Constraint, Feature, FeatureModel, Group, feature_model_document
from .formula import And, Formula, Iff, Implies, Not, Or, Var
from .xmltools import XmlDocument, parse_xml

ROOT_TAGS = ("featureModel", "extendedFeatureModel")
_GROUP_OF = {"and": None, "or": "or", "alt": "alternative", "feature": None}
_IGNORED = {"description", "graphics", "property", "properties", "tags"}


def read_featureide(
    source: str | bytes | Path, *, filename: str | None = None, info: ProductInfo | None = None
) -> dict:
    return load_featureide(source, filename=filename, info=info).document


def load_featureide(
    source: str | bytes | Path, *, filename: str | None = None, info: ProductInfo | None = None
) -> ImportedModel:
    data, name = read_source(source, filename=filename, binary=True)
    return feature_model_document(parse_featureide(data, name), info or ProductInfo())


def parse_featureide(data: str | bytes, source: str = "<model>") -> FeatureModel:
    xml = parse_xml(data, source)
    return _Reader(xml).model()


class _Reader:
    def __init__(self, xml: XmlDocument) -> None:
        self.xml = xml

    def model(self) -> FeatureModel:
        root = self.xml.root
        if root.tag not in ROOT_TAGS:
            raise self.xml.error(
                root,
                "not a FeatureIDE model (the root element is not <featureModel> or <extendedFeatureModel>)",
            )
        struct = root.find("struct")
        if struct is None:
            raise self.xml.error(root, "the model has no <struct>")
        tops = [child for child in struct if child.tag in _GROUP_OF]
        if len(tops) != 1:
            raise self.xml.error(struct, f"<struct> must hold exactly one root feature, found {len(tops)}")
        feature_root = self.tree(tops[0])
        constraints: list[Constraint] = []
        section = root.find("constraints")
        if section is not None:
            for index, rule in enumerate(section, start=1):
                if rule.tag != "rule":
                    raise self.xml.error(rule, "expected <rule>")
                formulas = [child for child in rule if child.tag not in _IGNORED]
                if len(formulas) != 1:
                    raise self.xml.error(rule, f"a <rule> holds one formula, found {len(formulas)}")
                formula = self.formula(formulas[0])
                constraints.append(
                    Constraint(
                        formula,
                        _show(formula),
                        line=self.xml.line(rule),
                        element=f"<rule> {index}",
                        label=f"rule_{index}",
                    )
                )
        return FeatureModel(root=feature_root, constraints=constraints, source=self.xml.source)

    def tree(self, top: ET.Element) -> Feature:
        root = self.feature(top)
        stack = [(top, root)]
        while stack:
            element, feature = stack.pop()
            children = [child for child in element if child.tag in _GROUP_OF]
            if not children:
                continue
            if element.tag == "feature":
                raise self.xml.error(element, "a <feature> has no child features; use <and>, <or> or <alt>")
            kind = _GROUP_OF[element.tag]
            if kind is None:
                mandatory = Group("mandatory", [], line=self.xml.line(element))
                optional = Group("optional", [], line=self.xml.line(element))
                for child in children:
                    made = self.feature(child)
                    (mandatory if child.get("mandatory") == "true" else optional).children.append(made)
                    stack.append((child, made))
                feature.groups.extend(group for group in (mandatory, optional) if group.children)
            else:
                group = Group(kind, [], line=self.xml.line(element))
                for child in children:
                    made = self.feature(child)
                    group.children.append(made)
                    stack.append((child, made))
                feature.groups.append(group)
        return root

    def feature(self, element: ET.Element) -> Feature:
        name = element.get("name")
        if not name:
            raise self.xml.error(element, "a feature needs a name")
        line = self.xml.line(element)
        feature = Feature(
            name=name,
            line=line,
            element=f'<{element.tag} name="{name}">',
            abstract=element.get("abstract") == "true",
        )
        for child in element:
            if child.tag == "attribute" and (child.get("name") or "").lower() == "price":
                value = child.get("value")
                if value is not None and value.strip():
                    feature.price = parse_price(
                        value,
                        source=self.xml.source,
                        line=self.xml.line(child),
                        element=f'<attribute name="Price"> of {name!r}',
                    )
            elif child.tag == "description" and child.text:
                feature.description = " ".join(child.text.split())
        return feature

    def formula(self, element: ET.Element) -> Formula:
        tag = element.tag
        operands = [child for child in element if child.tag not in _IGNORED]
        if tag == "var":
            if operands or not (element.text or "").strip():
                raise self.xml.error(element, "<var> holds a feature name")
            return Var((element.text or "").strip())
        arity = {"not": 1, "imp": 2, "eq": 2}.get(tag)
        if tag in ("conj", "disj", "and", "or"):
            if not operands:
                raise self.xml.error(element, f"<{tag}> needs operands")
            parts = tuple(self.formula(child) for child in operands)
            return (And if tag in ("conj", "and") else Or)(parts)
        if arity is None:
            raise self.xml.error(
                element,
                f"<{tag}> is not a FeatureIDE constraint element (expected imp, eq, disj, conj, not or var)",
                error=UnsupportedModelError,
            )
        if len(operands) != arity:
            raise self.xml.error(
                element, f"<{tag}> needs {arity} operand{'s' if arity > 1 else ''}, found {len(operands)}"
            )
        if tag == "not":
            return Not(self.formula(operands[0]))
        left, right = (self.formula(child) for child in operands)
        return Implies(left, right) if tag == "imp" else Iff(left, right)


def _show(formula: Formula) -> str:
    """A readable text of a constraint, for rule messages: ``A & B => !C``."""
    if isinstance(formula, Var):
        return formula.name
    if isinstance(formula, Not):
        return f"!{_wrap(formula.operand)}"
    if isinstance(formula, (And, Or)):
        joiner = " & " if isinstance(formula, And) else " | "
        return joiner.join(_wrap(part, type(formula)) for part in _flat(formula))
    if isinstance(formula, Implies):
        return f"{_wrap(formula.left)} => {_wrap(formula.right)}"
    if isinstance(formula, Iff):
        return f"{_wrap(formula.left)} <=> {_wrap(formula.right)}"
    return str(formula)


def _flat(formula: And | Or) -> list[Formula]:
    out: list[Formula] = []
    for part in formula.operands:
        out.extend(_flat(part) if type(part) is type(formula) else [part])
    return out


def _wrap(formula: Formula, inside: type | None = None) -> str:
    text = _show(formula)
    if isinstance(formula, (Var, Not)) or (inside is not None and type(formula) is inside):
        return text
    return f"({text})"
