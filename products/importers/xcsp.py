"""XCSP 2.1 constraint networks in extension (the Renault/CLib form), with value names.

Each variable is a required single choice whose options are its domain's values; each constraint
is a compatibility table over its scope: the relation's tuples when its semantics is
``supports``; when it is ``conflicts``, every combination of the scope's domains but the forbidden
ones (or, when that product exceeds :data:`MAX_COMPLEMENT_ROWS`, one rule
``not (a == 'x' and b == 'y')`` per forbidden tuple). Intension constraints (predicates), global
constraints and weighted CSPs are refused.

Value names: XCSP 2.1 values are integers. The CLib rule files (``renault_ruleNNN.pm``: lines
``Var5 = FRAN  and Var33 = KM``) give the names: a variable's names, sorted in byte order, are its
values in ascending order (0-based position = value index). They are read from ``names_dir``, or
from a ``pm/`` folder beside the XML file when there is one; every variable with names must have
exactly as many names as values, else the import is refused (a wrong join would silently change
the model). Without names the option codes are the numbers.
"""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import product
from pathlib import Path
from typing import Any

from .base import ImportedModel, ProductInfo, frame, read_source
from .errors import ModelFileError, ModelTooLargeError, UnsupportedModelError
from .formula import And, Lit, Not, no_variable, rules_for
from .naming import Codes, identifier
from .xmltools import XmlDocument, describe_element, parse_xml

#: A ``conflicts`` relation becomes a table of allowed rows when the scope's domains have at most
#: this many combinations, else one rule per forbidden tuple.
MAX_COMPLEMENT_ROWS = 10_000
#: Largest domain accepted (a single choice holds at most 1,000 options).
MAX_DOMAIN = 1_000
MAX_VARIABLES = 5_000
MAX_TUPLES = 2_000_000
_PM_TERM = re.compile(r"(\S+)\s*=\s*(\S+)")


def read_xcsp(
    source: str | bytes | Path,
    *,
    filename: str | None = None,
    info: ProductInfo | None = None,
    names_dir: Path | None = None,
    find_names: bool = True,
) -> dict:
    return load_xcsp(
        source, filename=filename, info=info, names_dir=names_dir, find_names=find_names
    ).document


def load_xcsp(
    source: str | bytes | Path,
    *,
    filename: str | None = None,
    info: ProductInfo | None = None,
    names_dir: Path | None = None,
    find_names: bool = True,
) -> ImportedModel:
    data, name = read_source(source, filename=filename, binary=True)
    if names_dir is None and find_names and isinstance(source, Path) and (source.parent / "pm").is_dir():
        names_dir = source.parent / "pm"
    names = read_value_names(names_dir) if names_dir is not None else {}
    return _Reader(parse_xml(data, name), info or ProductInfo(), names, names_dir).run()


def is_xcsp(root_tag: str) -> bool:
    return root_tag == "instance"


def read_value_names(directory: Path) -> dict[str, set[str]]:
    """Variable name (as in the rule files, ``Var5``) -> the value names found for it."""
    if not directory.is_dir():
        raise ModelFileError("not a folder of rule files", source=str(directory))
    names: dict[str, set[str]] = {}
    files = sorted(directory.glob("*.pm"))
    if not files:
        raise ModelFileError("no rule files (*.pm) in this folder", source=str(directory))
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ModelFileError(f"cannot read: {error}", source=str(path)) from None
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line or line in ("or(", "or)"):
                continue
            terms = _PM_TERM.findall(line)
            if (
                not terms
                or len(terms) != line.count("=")
                or (len(terms) - 1) != len(re.findall(r"\band\b", line))
            ):
                raise ModelFileError(
                    f"not 'VarN = VALUE  and ...': {line[:80]!r}", source=path.name, line=number
                )
            for variable, value in terms:
                names.setdefault(variable, set()).add(value)
    return names


def _parse_values(text: str, element: Any, xml: XmlDocument) -> list[int]:
    values: list[int] = []
    for token in (text or "").split():
        try:
            if ".." in token:
                low, high = (int(part) for part in token.split(".."))
                if high < low:
                    raise ValueError
                if high - low >= MAX_DOMAIN:
                    raise xml.error(
                        element, f"{token}: more than {MAX_DOMAIN} values", error=ModelTooLargeError
                    )
                values.extend(range(low, high + 1))
            else:
                values.append(int(token))
        except ValueError:
            raise xml.error(element, f"{token!r} is not an integer or a range a..b") from None
    return values


class _Reader:
    def __init__(
        self, xml: XmlDocument, info: ProductInfo, names: dict[str, set[str]], names_dir: Path | None
    ) -> None:
        self.xml = xml
        self.info = info
        self.names = names
        self.names_dir = names_dir
        self.warnings: list[str] = []

    def run(self) -> ImportedModel:
        xml = self.xml
        root = xml.root
        if root.tag != "instance":
            raise xml.error(root, "not an XCSP instance (the root element is not <instance>)")
        presentation = root.find("presentation")
        if presentation is not None:
            kind = presentation.get("type", "CSP")
            if kind != "CSP":
                raise xml.error(
                    presentation,
                    f"type {kind!r}: only CSP instances are supported",
                    error=UnsupportedModelError,
                )
            version = presentation.get("format", "XCSP 2.1")
            if version not in ("XCSP 2.1", "XCSP 2.0"):
                raise xml.error(
                    presentation,
                    f"format {version!r}: this reader reads XCSP 2.1",
                    error=UnsupportedModelError,
                )
        for unsupported in ("predicates", "functions", "globalConstraints"):
            section = root.find(unsupported)
            if section is not None and len(section):
                raise xml.error(
                    section,
                    "constraints in intension and global constraints are not supported",
                    error=UnsupportedModelError,
                )

        domains: dict[str, list[int]] = {}
        for element in self.section("domains", "domain"):
            name = self.name_of(element)
            values = _parse_values(element.text or "", element, xml)
            if len(set(values)) != len(values):
                raise xml.error(element, "a value is listed twice")
            expected = element.get("nbValues")
            if expected is not None and expected.isdigit() and int(expected) != len(values):
                raise xml.error(element, f"nbValues is {expected} but the domain has {len(values)} values")
            if not values:
                raise xml.error(element, "an empty domain")
            if len(values) > MAX_DOMAIN:
                raise xml.error(
                    element,
                    f"{len(values)} values; a single choice holds at most {MAX_DOMAIN}",
                    error=ModelTooLargeError,
                )
            domains[name] = sorted(values)

        set_codes = Codes()
        variables: dict[str, dict[str, Any]] = {}  # name -> {"code", "values", "options"}
        option_sets: list[dict[str, Any]] = []
        elements = self.section("variables", "variable")
        if len(elements) > MAX_VARIABLES:
            raise xml.error(
                xml.root.find("variables"),
                f"{len(elements):,} variables; the import limit is {MAX_VARIABLES:,}",
                error=ModelTooLargeError,
            )
        for element in elements:
            name = self.name_of(element)
            if name in variables:
                raise xml.error(element, f"variable {name!r} is declared twice")
            domain_name = element.get("domain")
            if domain_name not in domains:
                raise xml.error(element, f"unknown domain {domain_name!r}")
            values = domains[domain_name]
            code = set_codes.take(f"Var{name}" if name.isdigit() else identifier(name, prefix="v_"))
            labels = self.value_names(element, name, values)
            variables[name] = {
                "code": code,
                "values": values,
                "options": labels,
                "index": {value: i for i, value in enumerate(values)},
            }
            option_sets.append(
                {
                    "code": code,
                    "name": code,
                    "kind": "single",
                    "help_text": f"Variable {name} of {xml.source}.",
                    "required": True,
                    "default": None,
                    "options": [{"code": label, "name": label} for label in labels],
                }
            )

        relations: dict[str, tuple[str, int, list[tuple[int, ...]], Any]] = {}
        total = 0
        for element in self.section("relations", "relation"):
            name = self.name_of(element)
            semantics = element.get("semantics", "supports")
            if semantics not in ("supports", "conflicts"):
                raise xml.error(
                    element,
                    f"semantics {semantics!r}: expected supports or conflicts",
                    error=UnsupportedModelError,
                )
            try:
                arity = int(element.get("arity", ""))
            except ValueError:
                raise xml.error(element, "arity must be a number") from None
            tuples: list[tuple[int, ...]] = []
            text = (element.text or "").strip()
            for position, chunk in enumerate(text.split("|") if text else [], start=1):
                try:
                    row = tuple(int(value) for value in chunk.split())
                except ValueError:
                    raise xml.error(
                        element, f"tuple {position}: {chunk.strip()!r} is not a list of integers"
                    ) from None
                if len(row) != arity:
                    raise xml.error(element, f"tuple {position} has {len(row)} values, the arity is {arity}")
                tuples.append(row)
            expected = element.get("nbTuples")
            if expected is not None and expected.isdigit() and int(expected) != len(tuples):
                raise xml.error(element, f"nbTuples is {expected} but {len(tuples)} tuples are listed")
            total += len(tuples)
            if total > MAX_TUPLES:
                raise xml.error(
                    element,
                    f"more than {MAX_TUPLES:,} tuples in all; the import limit",
                    error=ModelTooLargeError,
                )
            relations[name] = (semantics, arity, tuples, element)

        table_codes = Codes()
        tables: list[dict[str, Any]] = []
        rules: list[dict[str, Any]] = []
        for element in self.section("constraints", "constraint"):
            name = self.name_of(element)
            reference = element.get("reference", "")
            if reference.startswith("global:") or reference not in relations:
                if reference.startswith("global:") or xml.root.find("predicates") is not None:
                    raise xml.error(
                        element,
                        f"reference {reference!r}: only relations in extension are supported",
                        error=UnsupportedModelError,
                    )
                raise xml.error(element, f"unknown relation {reference!r}")
            semantics, arity, tuples, _ = relations[reference]
            scope = (element.get("scope") or "").split()
            if len(scope) != arity:
                raise xml.error(
                    element, f"the scope has {len(scope)} variables, relation {reference} has arity {arity}"
                )
            for variable in scope:
                if variable not in variables:
                    raise xml.error(element, f"unknown variable {variable!r} in the scope")
            columns = list(dict.fromkeys(scope))  # a variable twice in the scope: one column
            positions = [scope.index(variable) for variable in columns]
            if len(columns) > 50:
                raise xml.error(
                    element, f"{len(columns)} variables; a table spans at most 50", error=ModelTooLargeError
                )
            rows = self.project(tuples, scope, columns, positions, variables)
            base = identifier(name, prefix="c_")
            codes = [variables[variable]["code"] for variable in columns]
            if semantics == "supports":
                tables.append(
                    {
                        "code": table_codes.take(base),
                        "message": "",
                        "option_sets": codes,
                        "rows": [list(row) for row in sorted(rows)],
                    }
                )
                continue
            size = 1
            for variable in columns:
                size *= len(variables[variable]["values"])
            if size <= MAX_COMPLEMENT_ROWS:
                forbidden = set(rows)
                allowed = [
                    row
                    for row in product(*(variables[v]["options"] for v in columns))
                    if row not in forbidden
                ]
                tables.append(
                    {
                        "code": table_codes.take(base),
                        "message": "",
                        "option_sets": codes,
                        "rows": [list(row) for row in allowed],
                    }
                )
                continue
            for forbidden_row in sorted(rows):
                formula = Not(
                    And(
                        tuple(
                            Lit("single", set_code, value)
                            for set_code, value in zip(codes, forbidden_row, strict=True)
                        )
                    )
                )
                for rule in rules_for(formula, no_variable):
                    rules.append(
                        {
                            "code": table_codes.take(base),
                            "when": rule.when,
                            "require": rule.require,
                            "message": f"Forbidden by {name}",
                        }
                    )

        document = frame(
            self.info,
            source=xml.source,
            model_name=None,
            description=(
                f"Imported from {xml.source}: {len(variables)} variables, {len(tables) + len(rules)} "
                "constraints in extension"
                + (
                    f"; value names from {self.names_dir.name}/."
                    if self.names and self.names_dir is not None
                    else "."
                )
            ),
            baseline_price=self.info.price or Decimal(0),
            option_sets=option_sets,
            rules=rules,
            tables=tables,
        )
        mapping = {name: (data["code"], tuple(data["options"])) for name, data in variables.items()}
        return ImportedModel(document=document, variables=mapping, warnings=self.warnings)

    def section(self, container: str, item: str) -> list[Any]:
        section = self.xml.root.find(container)
        if section is None:
            raise self.xml.error(self.xml.root, f"no <{container}> section")
        elements = []
        for element in section:
            if element.tag != item:
                raise self.xml.error(element, f"expected <{item}> in <{container}>")
            elements.append(element)
        expected = section.get(f"nb{container[0].upper()}{container[1:]}")
        if expected is not None and expected.isdigit() and int(expected) != len(elements):
            raise self.xml.error(section, f"announces {expected} {container} but holds {len(elements)}")
        return elements

    def name_of(self, element: Any) -> str:
        name = element.get("name")
        if not name:
            raise self.xml.error(element, "the element needs a name")
        return name

    def value_names(self, element: Any, name: str, values: list[int]) -> list[str]:
        found = self.names.get(f"Var{name}") or self.names.get(name)
        if not self.names:
            return [str(value) for value in values]
        if not found:
            self.warnings.append(
                f"variable {name}: no value names in the rule files; its options are numbers"
            )
            return [str(value) for value in values]
        ordered = sorted(found, key=lambda text: text.encode())
        if len(ordered) != len(values):
            raise ModelFileError(
                f"variable {name} has {len(values)} values but {len(ordered)} value names in the rule "
                f"files of {self.names_dir}; the names cannot be joined (import without names, or "
                "complete the files)",
                source=self.xml.source,
                line=self.xml.line(element),
                element=describe_element(element),
            )
        for label in ordered:
            if "'" in label or '"' in label or "\\" in label or len(label) > 100:
                raise ModelFileError(
                    f"value name {label!r} of variable {name} cannot be an option code",
                    source=self.xml.source,
                    line=self.xml.line(element),
                )
        return ordered

    def project(
        self,
        tuples: list[tuple[int, ...]],
        scope: list[str],
        columns: list[str],
        positions: list[int],
        variables: dict[str, dict[str, Any]],
    ) -> set[tuple[str, ...]]:
        """The tuples as option codes over the distinct scope variables; tuples with a value outside a
        domain, or different values for a repeated variable, match no assignment and are dropped."""
        out: set[tuple[str, ...]] = set()
        repeated = len(columns) != len(scope)
        for row in tuples:
            if repeated and any(row[i] != row[scope.index(variable)] for i, variable in enumerate(scope)):
                continue
            labels = []
            for variable, position in zip(columns, positions, strict=True):
                data = variables[variable]
                index = data["index"].get(row[position])
                if index is None:
                    break
                labels.append(data["options"][index])
            else:
                out.add(tuple(labels))
        return out
