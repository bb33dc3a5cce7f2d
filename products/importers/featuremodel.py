"""Feature models (UVL, FeatureIDE XML, SPLOT SXFM) and their mapping to a product document.

The readers build a :class:`FeatureModel`: a tree of features whose children hang in groups
(``mandatory``, ``optional``, ``alternative``, ``or``, or a cardinality ``[low..high]``) and
cross-tree constraints (propositional formulas over feature names). :func:`feature_model_document`
maps it to a product document whose valid configurations correspond one to one to the model's
valid configurations (feature assignments):

* the root is always selected: it is no option set, and its price is the baseline price;
* a **mandatory** child is selected exactly with its parent: it is no option set either, it stands
  for the same literal as its parent (its price adds to the parent's);
* an **optional** child is a yes/no set, with the rule ``child -> parent`` (none under the root);
* a group that picks at most one child (``alternative``, ``[0..1]``, ``[1..1]``) is a **single
  choice** whose options are the children: required when the parent is the root (or comes with
  it), otherwise optional and tied to the parent: "an option is chosen exactly when the parent is"
  (``[0..1]``: "only when"), as a compatibility table over the parent's yes/no set or single
  choice, or as a rule when the parent is an option of a multiple choice;
* a group that may pick several (``or``, ``[n..m]`` with ``m > 1``) is a **multiple choice**
  with ``min_count``/``max_count`` when the parent is the root, otherwise with rules tying
  ``count(...)`` to the parent; ``[0..*]`` is the same as optional children;
* **single-child groups** are the child made mandatory (``[1..]``) or optional (``[0..]``), so
  the trap of reading a one-child alternative as optional does not arise;
* a ``String`` feature (UVL) is a text set, selected when not empty;
* cross-tree constraints are rules in the condition language (``A => B`` becomes
  ``when A require B``; a clause ``!A | B | C`` becomes ``when A require B or C``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .base import ImportedModel, ProductInfo, frame, money
from .errors import ModelFileError, ModelTooLargeError, UnsupportedModelError
from .formula import (
    TRUE,
    Const,
    Formula,
    Iff,
    Implies,
    Lit,
    Or,
    TooLong,
    no_variable,
    render,
    rules_for,
)
from .naming import Codes, display_name, identifier

GROUP_KINDS = ("mandatory", "optional", "alternative", "or", "cardinality")
#: Feature models with more features than this are refused (automotive02 has 18,616).
MAX_FEATURES = 50_000
#: ... or with more cross-tree constraints than this.
MAX_CONSTRAINTS = 100_000


@dataclass(eq=False)
class Feature:
    #: the model's key for the feature (constraints refer to it)
    name: str
    line: int | None = None
    element: str | None = None
    abstract: bool = False
    price: Decimal | None = None
    #: "boolean" or "string" (UVL ``String`` features)
    type: str = "boolean"
    description: str = ""
    groups: list[Group] = field(default_factory=list)
    #: a display name when the key is an id (SXFM: ``Printed Sides`` for ``_r_1_26``)
    label: str | None = None

    @property
    def title(self) -> str:
        return self.label or self.name

    def where(self) -> dict[str, Any]:
        return {"line": self.line, "element": self.element or f"feature {self.name!r}"}


@dataclass(eq=False)
class Group:
    kind: str
    children: list[Feature]
    low: int = 0
    high: int | None = None
    line: int | None = None

    def bounds(self) -> tuple[int, int | None]:
        if self.kind == "alternative":
            return 1, 1
        if self.kind == "or":
            return 1, None
        return self.low, self.high


@dataclass(eq=False)
class Constraint:
    formula: Formula
    text: str
    line: int | None = None
    element: str | None = None
    #: the model's own name for it (SXFM ``c58``), used for the rule code
    label: str | None = None


@dataclass(eq=False)
class FeatureModel:
    root: Feature
    constraints: list[Constraint]
    source: str
    name: str | None = None
    description: str = ""
    warnings: list[str] = field(default_factory=list)

    def features(self) -> list[Feature]:
        """Every feature, parents before children, in document order."""
        out: list[Feature] = []
        stack = [self.root]
        while stack:
            feature = stack.pop()
            out.append(feature)
            for group in reversed(feature.groups):
                stack.extend(reversed(group.children))
        return out


def feature_model_document(model: FeatureModel, info: ProductInfo) -> ImportedModel:
    return _Mapper(model, info).run()


class _Mapper:
    def __init__(self, model: FeatureModel, info: ProductInfo) -> None:
        self.model = model
        self.info = info
        self.source = model.source
        self.warnings = list(model.warnings)
        self.literal: dict[str, Lit | Const] = {}
        self.code: dict[Feature, str] = {}
        self.option_sets: list[dict[str, Any]] = []
        self.sets: dict[str, dict[str, Any]] = {}
        self.options: dict[tuple[str, str | None], dict[str, Any]] = {}
        self.rules: list[dict[str, Any]] = []
        self.tables: list[dict[str, Any]] = []
        self.constraint_codes = Codes()
        self.baseline = Decimal(0)

    def fail(
        self,
        reason: str,
        *,
        line: int | None = None,
        element: str | None = None,
        error: type[ModelFileError] = ModelFileError,
    ) -> ModelFileError:
        return error(reason, source=self.source, line=line, element=element)

    # -- the tree --------------------------------------------------------------------------------

    def run(self) -> ImportedModel:
        features = self.model.features()
        if len(features) > MAX_FEATURES:
            raise self.fail(
                f"{len(features):,} features; the import limit is {MAX_FEATURES:,}", error=ModelTooLargeError
            )
        if len(self.model.constraints) > MAX_CONSTRAINTS:
            raise self.fail(
                f"{len(self.model.constraints):,} constraints; the import limit is {MAX_CONSTRAINTS:,}",
                error=ModelTooLargeError,
            )
        seen: dict[str, Feature] = {}
        feature_codes = Codes()
        for feature in features:
            if feature.name in seen:
                first = seen[feature.name]
                where = f" (first at line {first.line})" if first.line else ""
                raise self.fail(f"declared twice{where}", **feature.where())
            seen[feature.name] = feature
            self.code[feature] = feature_codes.identifier(feature.title)
        self.set_codes = Codes(tuple(self.code.values()))
        self.used_set_codes: set[str] = set()
        root = self.model.root
        if root.type != "boolean":
            raise self.fail("the root must be a Boolean feature", error=UnsupportedModelError, **root.where())
        self.literal[root.name] = TRUE
        self.visit(root)
        for feature in features:
            if feature.price:
                self.add_price(feature, feature.price)
        for index, constraint in enumerate(self.model.constraints, start=1):
            self.constraint(index, constraint)
        description = self.model.description or (
            f"Imported from {self.source}: {len(features):,} features, "
            f"{len(self.model.constraints):,} cross-tree constraints."
        )
        document = frame(
            self.info,
            source=self.source,
            model_name=self.model.name or root.title,
            description=description,
            baseline_price=self.baseline,
            option_sets=self.option_sets,
            rules=self.rules,
            tables=self.tables,
        )
        return ImportedModel(document=document, features=dict(self.literal), warnings=self.warnings)

    def visit(self, feature: Feature) -> None:
        parent = self.literal[feature.name]
        for number, group in enumerate(feature.groups, start=1):
            self.group(feature, parent, group, number)
        for group in feature.groups:
            for child in group.children:
                self.visit(child)

    def group(self, parent: Feature, literal: Lit | Const, group: Group, number: int) -> None:
        children = group.children
        if group.kind == "mandatory":
            for child in children:
                self.mandatory(child, parent, literal)
            return
        if group.kind == "optional":
            for child in children:
                self.optional(child, parent, literal)
            return
        low, high = group.bounds()
        size = len(children)
        high = size if high is None or high > size else high
        if low > high:
            # The group can never be satisfied: the parent cannot be selected, nor can its children.
            self.add_rules(
                Implies(literal, Const(False)) if literal != TRUE else Const(False),
                code=f"{self.code[parent]}_group",
                message=f"The group of {parent.title} cannot be satisfied ({low} of {size} children)",
                line=group.line,
            )
            for child in children:
                self.optional(child, parent, literal)
            return
        if size == 1:
            if low >= 1:
                self.mandatory(children[0], parent, literal)
            else:
                self.optional(children[0], parent, literal)
            return
        if low == 0 and high == size:
            for child in children:
                self.optional(child, parent, literal)
            return
        for child in children:
            if child.type != "boolean":
                raise self.fail(
                    f"a {child.type} feature in an {group.kind} group has no product equivalent",
                    error=UnsupportedModelError,
                    **child.where(),
                )
        if high == 1:
            self.single_group(parent, literal, group, low, number)
        else:
            self.multi_group(parent, literal, group, low, high, number)

    def mandatory(self, child: Feature, parent: Feature, literal: Lit | Const) -> None:
        if child.type == "string":
            text = self.text_set(child, required=literal == TRUE)
            if literal != TRUE:
                self.link(
                    Iff(literal, text),
                    child,
                    parent,
                    f"{child.title} is filled in exactly when {parent.title} is chosen",
                )
            return
        self.literal[child.name] = literal

    def optional(self, child: Feature, parent: Feature, literal: Lit | Const) -> None:
        if child.type == "string":
            lit = self.text_set(child, required=False)
        else:
            code = self.code[child]
            self.add_set(
                {
                    "code": code,
                    "name": display_name(child.title),
                    "kind": "boolean",
                    "help_text": self.help(child),
                    "default": None,
                }
            )
            lit = Lit("bool", code)
        self.literal[child.name] = lit
        if literal != TRUE:
            self.link(Implies(lit, literal), child, parent, f"{child.title} needs {parent.title}")

    def text_set(self, child: Feature, *, required: bool) -> Lit:
        code = self.code[child]
        self.add_set(
            {
                "code": code,
                "name": display_name(child.title),
                "kind": "text",
                "help_text": self.help(child),
                "max_length": 1000,
                "required": required,
                "pattern": "",
                "default": None,
            }
        )
        lit = Lit("text", code)
        self.literal[child.name] = lit
        return lit

    def group_set_code(self, parent: Feature, literal: Lit | Const) -> str:
        base = self.code[parent]
        own = isinstance(literal, Lit) and literal.kind in ("bool", "text") and literal.set_code == base
        if not own and base not in self.used_set_codes:
            return base
        return self.set_codes.take(f"{base}_group")

    def single_group(
        self, parent: Feature, literal: Lit | Const, group: Group, low: int, number: int
    ) -> None:
        code = self.group_set_code(parent, literal)
        options = [self.option(child) for child in group.children]
        kind_name = "alternative" if group.kind == "alternative" else f"[{low}..1] group"
        option_set = {
            "code": code,
            "name": self.group_name(parent, number),
            "kind": "single",
            "help_text": f"The {kind_name} of {display_name(parent.title, 150)}.",
            "required": literal == TRUE and low >= 1,
            "default": None,
            "options": options,
        }
        if literal != TRUE and isinstance(literal, Lit) and literal.kind not in ("bool", "single"):
            chosen = Or(tuple(Lit("single", code, option["code"]) for option in options))
            rule = Iff(literal, chosen) if low >= 1 else Implies(chosen, literal)
            try:
                rules_for(rule, no_variable)  # only checks that it can be written
            except TooLong:
                self.multi_group(parent, literal, group, low, 1, number, code=code)
                return
            self.add_set(option_set)
            self.assign(group, "single", code)
            self.link(rule, None, parent, self.link_message(code, parent, low), line=group.line)
            return
        self.add_set(option_set)
        self.assign(group, "single", code)
        if isinstance(literal, Const):  # the root's TRUE: a required choice, nothing to link
            return
        rows = self.link_rows(literal, options, low)
        self.tables.append(
            {
                "code": self.constraint_codes.take(f"{code}_parent"),
                "message": self.link_message(code, parent, low),
                "option_sets": [literal.set_code, code],
                "rows": rows,
            }
        )

    def link_rows(self, literal: Lit, options: list[dict[str, Any]], low: int) -> list[list[Any]]:
        codes = [option["code"] for option in options]
        empty = [] if low >= 1 else [None]
        if literal.kind == "bool":
            return [[False, None], *([True, value] for value in [*empty, *codes])]
        parent_set = self.sets[literal.set_code]
        values: list[Any] = [option["code"] for option in parent_set["options"]]
        if not parent_set["required"]:
            values.append(None)
        rows: list[list[Any]] = []
        for value in values:
            if value == literal.option:
                rows.extend([value, child] for child in [*empty, *codes])
            else:
                rows.append([value, None])
        return rows

    def multi_group(
        self,
        parent: Feature,
        literal: Lit | Const,
        group: Group,
        low: int,
        high: int,
        number: int,
        *,
        code: str | None = None,
    ) -> None:
        code = code or self.group_set_code(parent, literal)
        size = len(group.children)
        options = [self.option(child) for child in group.children]
        spec = "or group" if group.kind == "or" else f"[{low}..{high if high < size else '*'}] group"
        self.add_set(
            {
                "code": code,
                "name": self.group_name(parent, number),
                "kind": "multi",
                "help_text": f"The {spec} of {display_name(parent.title, 150)}.",
                "min_count": low if literal == TRUE else 0,
                "max_count": high if high < size else None,
                "default": None,
                "options": options,
            }
        )
        self.assign(group, "multi", code)
        if literal == TRUE:
            return
        parent_text = render(literal).text
        message = self.link_message(code, parent, low)
        if low >= 1:
            self.link(Iff(literal, Lit("count", code)), None, parent, message, line=group.line)
            if low > 1:
                self.add_rule(f"{code}_min", parent_text, f"count({code}) >= {low}", message)
        else:
            self.link(Implies(Lit("count", code), literal), None, parent, message, line=group.line)

    def assign(self, group: Group, kind: str, code: str) -> None:
        for child in group.children:
            self.literal[child.name] = Lit(kind, code, self.code[child])

    def option(self, child: Feature) -> dict[str, Any]:
        return {"code": self.code[child], "name": display_name(child.title)}

    def group_name(self, parent: Feature, number: int) -> str:
        name = display_name(parent.title, 190)
        groups = [group for group in parent.groups if group.kind not in ("mandatory", "optional")]
        return name if len(groups) <= 1 else f"{name} ({number})"

    def link_message(self, code: str, parent: Feature, low: int) -> str:
        name = self.sets[code]["name"] if code in self.sets else code
        if low >= 1:
            return f"{name}: choose exactly when {parent.title} is chosen"[:300]
        return f"{name}: only with {parent.title}"[:300]

    def help(self, feature: Feature) -> str:
        parts = [feature.description] if feature.description else []
        if feature.abstract:
            parts.append("Abstract feature.")
        return " ".join(parts)

    def add_set(self, option_set: dict[str, Any]) -> None:
        self.used_set_codes.add(option_set["code"])
        self.option_sets.append(option_set)
        self.sets[option_set["code"]] = option_set
        for option in option_set.get("options", ()):
            self.options[(option_set["code"], option["code"])] = option

    # -- prices ----------------------------------------------------------------------------------

    def add_price(self, feature: Feature, amount: Decimal) -> None:
        element = feature.element or f"feature {feature.name!r}"
        price = money(amount, source=self.source, element=element, warnings=self.warnings)
        target = self.literal[feature.name]
        if target == TRUE:
            self.baseline += price
            return
        assert isinstance(target, Lit)
        if target.kind in ("bool", "text"):
            holder = self.sets[target.set_code]
        else:
            holder = self.options[(target.set_code, target.option)]
        holder["price_delta"] = str(Decimal(holder.get("price_delta", "0")) + price)

    # -- rules -----------------------------------------------------------------------------------

    def link(
        self,
        formula: Formula,
        child: Feature | None,
        parent: Feature,
        message: str,
        *,
        line: int | None = None,
    ) -> None:
        base = f"{self.code[child]}_parent" if child is not None else f"{self.code[parent]}_link"
        self.add_rules(formula, code=base, message=message, line=line if child is None else child.line)

    def add_rules(
        self, formula: Formula, *, code: str, message: str, line: int | None, element: str | None = None
    ) -> None:
        try:
            rules = rules_for(formula, self.lookup(line, element))
        except TooLong as error:
            raise self.fail(
                f"this constraint cannot be written as rules: {error.reason}",
                line=line,
                element=element,
                error=ModelTooLargeError,
            ) from None
        for rule in rules:
            self.add_rule(code, rule.when, rule.require, message)

    def add_rule(self, code: str, when: str, require: str, message: str) -> None:
        self.rules.append(
            {
                "code": self.constraint_codes.take(code),
                "when": when,
                "require": require,
                "message": message[:300],
            }
        )

    def lookup(self, line: int | None, element: str | None) -> Callable[[str], Formula]:
        def literal(name: str) -> Formula:
            found = self.literal.get(name)
            if found is None:
                raise self.fail(f"unknown feature {name!r}", line=line, element=element)
            return found

        return literal

    def constraint(self, index: int, constraint: Constraint) -> None:
        if constraint.label:
            base = identifier(constraint.label, prefix="c_")
        elif constraint.line:
            base = f"constraint_{constraint.line}"
        else:
            base = f"constraint_{index}"
        text = " ".join(constraint.text.split())
        self.add_rules(
            constraint.formula, code=base, message=text, line=constraint.line, element=constraint.element
        )
