"""DIMACS CNF with feature names (``c <index> <name>`` comment lines, the convention of
feature-model benchmarks), counted over every variable of the ``p cnf`` line.

Every variable is a yes/no decision, and every clause a rule (``-3 7 0``: ``when x3 require x7``).
That flat form is exact but makes a poor storefront and a slow model on large files, so by default
the reader recovers the groups a feature model leaves in its CNF, without changing the set of
valid assignments:

* a unit clause fixes its variable: the variable is no option set (it is always, or never, on);
* a clause ``-p c1 ... ck`` (or ``c1 ... ck`` with no negative literal) whose ``ci`` exclude each
  other pairwise (clauses ``-ci -cj``) is an alternative group: the ``ci`` become the options of one
  single choice, whose own "at most one" replaces the pairwise clauses; the clause and, when all are
  present, the clauses ``-ci p`` become the link "an option is chosen exactly when ``p`` is" (a
  compatibility table over ``p``; a required choice when ``p`` is fixed on or absent). Larger groups
  are taken first; a variable belongs to at most one group;
* every other clause is a rule over the variables' literals (``x``, ``choice == 'x'``).

``groups=False`` keeps the flat form (one yes/no set per variable, one rule per clause).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .base import ImportedModel, ProductInfo, frame, read_source
from .errors import ModelFileError, ModelTooLargeError
from .formula import FALSE, TRUE, Const, Formula, Lit, Or, TooLong, Var, negate, rules_for
from .naming import Codes, clause_text, display_name

#: Files with more variables or clauses than this are refused before anything is built
#: (automotive02 has 14,010 variables and 237,685 clauses).
MAX_VARIABLES = 100_000
MAX_CLAUSES = 2_000_000
_NAME = re.compile(r"^c\s+(\d+)\s+(\S.*?)\s*$")


@dataclass(frozen=True, slots=True)
class Cnf:
    variables: int
    clauses: tuple[tuple[int, ...], ...]
    #: the file line each clause ends on
    lines: tuple[int, ...]
    names: dict[int, str]


def read_dimacs(
    source: str | bytes | Path,
    *,
    filename: str | None = None,
    info: ProductInfo | None = None,
    groups: bool = True,
) -> dict:
    return load_dimacs(source, filename=filename, info=info, groups=groups).document


def load_dimacs(
    source: str | bytes | Path,
    *,
    filename: str | None = None,
    info: ProductInfo | None = None,
    groups: bool = True,
) -> ImportedModel:
    text, name = read_source(source, filename=filename)
    cnf = parse_dimacs(text, name)
    return _Mapper(cnf, name, info or ProductInfo(), groups).run()


def parse_dimacs(text: str, source: str = "<model>") -> Cnf:
    names: dict[int, str] = {}
    header: tuple[int, int] | None = None
    clauses: list[tuple[int, ...]] = []
    lines: list[int] = []
    current: list[int] = []
    name_lines: dict[int, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line[0] == "c":
            match = _NAME.match(line)
            if match:
                index = int(match[1])
                if index in names:
                    raise ModelFileError(
                        f"variable {index} is named twice (first at line {name_lines[index]})",
                        source=source,
                        line=number,
                    )
                names[index] = match[2]
                name_lines[index] = number
            continue
        if line[0] == "%":  # the end marker of some benchmark files
            break
        if line[0] == "p":
            parts = line.split()
            if header is not None:
                raise ModelFileError("a second 'p cnf' line", source=source, line=number)
            if len(parts) != 4 or parts[1] != "cnf" or not parts[2].isdigit() or not parts[3].isdigit():
                raise ModelFileError(
                    f"expected 'p cnf <variables> <clauses>', found {line!r}", source=source, line=number
                )
            header = (int(parts[2]), int(parts[3]))
            if header[0] > MAX_VARIABLES or header[1] > MAX_CLAUSES:
                raise ModelTooLargeError(
                    f"{header[0]:,} variables and {header[1]:,} clauses; the import limits are "
                    f"{MAX_VARIABLES:,} variables and {MAX_CLAUSES:,} clauses",
                    source=source,
                    line=number,
                )
            continue
        if header is None:
            raise ModelFileError("a clause before the 'p cnf' line", source=source, line=number)
        for token in line.split():
            try:
                value = int(token)
            except ValueError:
                raise ModelFileError(
                    f"{token!r} is not a literal (a signed variable number)", source=source, line=number
                ) from None
            if value == 0:
                clauses.append(tuple(current))
                lines.append(number)
                current = []
            elif abs(value) > header[0]:
                raise ModelFileError(
                    f"literal {value}: there are only {header[0]} variables", source=source, line=number
                )
            else:
                current.append(value)
    if header is None:
        raise ModelFileError("no 'p cnf <variables> <clauses>' line", source=source)
    if current:
        raise ModelFileError(
            "the last clause does not end with 0", source=source, line=len(text.splitlines())
        )
    if len(clauses) != header[1]:
        raise ModelFileError(
            f"the 'p cnf' line announces {header[1]:,} clauses, the file has {len(clauses):,}", source=source
        )
    for index in names:
        if not 1 <= index <= header[0]:
            raise ModelFileError(
                f"variable {index} is named but there are only {header[0]} variables",
                source=source,
                line=name_lines[index],
            )
    return Cnf(header[0], tuple(clauses), tuple(lines), names)


@dataclass(slots=True)
class _Group:
    parent: int | None  # the variable p of the clause -p c1..ck, None for c1..ck
    members: tuple[int, ...]
    clause: int  # index of the clause -p c1 .. ck
    code: str = ""
    exact: bool = False  # the clauses ci -> p are all present: chosen exactly when p


class _Mapper:
    def __init__(self, cnf: Cnf, source: str, info: ProductInfo, groups: bool) -> None:
        self.cnf = cnf
        self.source = source
        self.info = info
        self.use_groups = groups
        self.warnings: list[str] = []
        self.names: dict[int, str] = {}
        self.literal: dict[int, Lit | Const] = {}

    def run(self) -> ImportedModel:
        cnf = self.cnf
        seen_names: set[str] = set()
        for var in range(1, cnf.variables + 1):
            name = cnf.names.get(var, f"x{var}")
            if name in seen_names:
                self.warnings.append(
                    f"variable {var}: the name {name!r} is used twice; called {name} ({var})"
                )
                name = f"{name} ({var})"
            seen_names.add(name)
            self.names[var] = name
        var_codes = Codes()
        codes = {
            var: var_codes.identifier(self.names[var], prefix="x_") for var in range(1, cnf.variables + 1)
        }
        set_codes = Codes(tuple(codes.values()))
        rule_codes = Codes()

        # Unit clauses fix their variable; a contradiction stays as a rule "False".
        fixed: dict[int, bool] = {}
        contradictions: list[int] = []
        clauses: list[tuple[int, tuple[int, ...]]] = []  # (index, simplified clause)
        if self.use_groups:
            for index, clause in enumerate(cnf.clauses):
                if len(set(clause)) == 1:
                    var, value = abs(clause[0]), clause[0] > 0
                    if fixed.get(var, value) != value:
                        contradictions.append(index)
                    fixed[var] = value
        distinct: set[tuple[int, ...]] = set()
        for index, clause in enumerate(cnf.clauses):
            literals = set(clause)
            if any(-lit in literals for lit in literals):
                continue  # a tautology
            if self.use_groups and len(literals) == 1 and abs(clause[0]) in fixed:
                continue
            kept: list[int] = []
            satisfied = False
            for lit in sorted(literals, key=lambda lit: (abs(lit), lit)):
                fixed_value = fixed.get(abs(lit))
                if fixed_value is None:
                    kept.append(lit)
                elif fixed_value == (lit > 0):
                    satisfied = True
                    break
            if not satisfied and tuple(kept) not in distinct:  # a repeated clause adds nothing
                distinct.add(tuple(kept))
                clauses.append((index, tuple(kept)))

        groups = self.find_groups(clauses) if self.use_groups else []
        removed: set[int] = set()
        member_of: dict[int, _Group] = {}
        for group in groups:
            for member in group.members:
                member_of[member] = group

        # Literals: fixed variables are constants, group members options, the rest yes/no sets.
        option_sets: list[tuple[int, dict[str, Any]]] = []  # (position, option set)
        sets: dict[str, dict[str, Any]] = {}
        for var in range(1, cnf.variables + 1):
            if var in fixed:
                self.literal[var] = TRUE if fixed[var] else FALSE
            elif var not in member_of:
                self.literal[var] = Lit("bool", codes[var])
                option_set: dict[str, Any] = {
                    "code": codes[var],
                    "name": display_name(self.names[var]),
                    "kind": "boolean",
                    "help_text": "",
                    "default": None,
                }
                option_sets.append((var, option_set))
                sets[codes[var]] = option_set
        used = {option_set["code"] for _, option_set in option_sets}
        for group in groups:
            parent = group.parent
            if parent is None:
                base = f"{codes[group.members[0]]}_group"
            elif parent in member_of or parent in fixed:
                base = codes[parent]  # the parent is no yes/no set: its group takes its code
            else:
                base = f"{codes[parent]}_group"
            group.code = base if base not in used and not base.endswith("_group") else set_codes.take(base)
            used.add(group.code)
            for member in group.members:
                self.literal[member] = Lit("single", group.code, codes[member])

        # Links and removed clauses.
        by_clause = {clause: index for index, clause in clauses}
        for group in groups:
            parent = group.parent
            parent_literal = TRUE if parent is None else self.literal[parent]
            for i, a in enumerate(group.members):
                for b in group.members[i + 1 :]:
                    removed.add(by_clause[tuple(sorted((-a, -b), key=lambda lit: (abs(lit), lit)))])
            removed.add(group.clause)
            if parent is not None and parent_literal not in (TRUE, FALSE):
                back = [
                    by_clause.get(tuple(sorted((-member, parent), key=lambda lit: (abs(lit), lit))))
                    for member in group.members
                ]
                present = [index for index in back if index is not None]
                if len(present) == len(back):
                    group.exact = True
                    removed.update(present)
            required = parent_literal == TRUE
            name = self.names[parent] if parent is not None else self.names[group.members[0]]
            option_set = {
                "code": group.code,
                "name": display_name(name),
                "kind": "single",
                "help_text": f"Alternative group of {display_name(name, 150)} (recovered from the CNF).",
                "required": required,
                "default": None,
                "options": [
                    {"code": codes[member], "name": display_name(self.names[member])}
                    for member in group.members
                ],
            }
            option_sets.append((min(group.members), option_set))
            sets[group.code] = option_set

        tables: list[dict[str, Any]] = []
        for group in groups:
            parent = group.parent
            if parent is None:
                continue
            parent_literal = self.literal[parent]
            if isinstance(parent_literal, Const):
                continue  # TRUE: a required choice; FALSE: the clause -p .. is satisfied, nothing to link
            options = [codes[member] for member in group.members]
            rows = _link_rows(parent_literal, options, sets, exact=group.exact)
            tables.append(
                {
                    "code": rule_codes.take(f"{group.code}_parent"),
                    "message": (
                        f"{sets[group.code]['name']}: choose "
                        f"{'exactly' if group.exact else 'one at least'} when {self.names[parent]} is chosen"
                    )[:300],
                    "option_sets": [parent_literal.set_code, group.code],
                    "rows": rows,
                }
            )

        rules: list[dict[str, Any]] = []
        for index in contradictions:
            rules.append(
                {
                    "code": rule_codes.take(f"clause_{index + 1}"),
                    "when": "",
                    "require": "False",
                    "message": f"Clause {index + 1} contradicts another unit clause",
                }
            )
        for index, clause in clauses:
            if index in removed:
                continue
            formula = Or(tuple(Var(str(lit)) for lit in clause)) if clause else FALSE
            try:
                texts = rules_for(formula, self.lookup)
            except TooLong as error:
                raise ModelTooLargeError(
                    f"clause {index + 1} cannot be written as a rule: {error.reason}",
                    source=self.source,
                    line=cnf.lines[index],
                ) from None
            message = self.clause_message(index)
            for text in texts:
                rules.append(
                    {
                        "code": rule_codes.take(f"clause_{index + 1}"),
                        "when": text.when,
                        "require": text.require,
                        "message": message,
                    }
                )

        option_sets.sort(key=lambda item: item[0])
        document = frame(
            self.info,
            source=self.source,
            model_name=None,
            description=(
                f"Imported from {self.source}: {cnf.variables:,} variables, {len(cnf.clauses):,} clauses"
                + (
                    f"; {len(groups):,} alternative groups recovered, {len(fixed):,} variables fixed by "
                    "unit clauses."
                    if self.use_groups
                    else "."
                )
            ),
            baseline_price=self.info.price or Decimal(0),
            option_sets=[option_set for _, option_set in option_sets],
            rules=rules,
            tables=tables,
        )
        features: dict[str, Formula] = {
            self.names[var]: self.literal[var] for var in range(1, cnf.variables + 1)
        }
        return ImportedModel(document=document, features=features, warnings=self.warnings)

    def lookup(self, name: str) -> Formula:
        """The literal of a clause's signed variable number (its ``Var`` name)."""
        lit = int(name)
        literal = self.literal[abs(lit)]
        return literal if lit > 0 else negate(literal)

    def clause_message(self, index: int) -> str:
        clause = self.cnf.clauses[index]
        negative = [self.names[-lit] for lit in clause if lit < 0]
        positive = [self.names[lit] for lit in clause if lit > 0]
        return clause_text(negative, positive)[:300]

    def find_groups(self, clauses: list[tuple[int, tuple[int, ...]]]) -> list[_Group]:
        excludes: dict[int, set[int]] = {}
        for _, clause in clauses:
            if len(clause) == 2 and clause[0] < 0 and clause[1] < 0:
                a, b = -clause[0], -clause[1]
                excludes.setdefault(a, set()).add(b)
                excludes.setdefault(b, set()).add(a)
        candidates: list[tuple[int, int, int | None, tuple[int, ...]]] = []
        for index, clause in clauses:
            negative = [lit for lit in clause if lit < 0]
            positive = tuple(lit for lit in clause if lit > 0)
            if len(negative) > 1 or len(positive) < 2:
                continue
            if all(len(excludes.get(member, ())) >= len(positive) - 1 for member in positive) and all(
                set(positive) - {member} <= excludes.get(member, set()) for member in positive
            ):
                parent = -negative[0] if negative else None
                candidates.append((-len(positive), index, parent, positive))
        candidates.sort(key=lambda item: (item[0], item[1]))
        taken: set[int] = set()
        groups: list[_Group] = []
        for _, index, parent, members in candidates:
            if taken.intersection(members):
                continue
            taken.update(members)
            groups.append(_Group(parent, members, index))
        return groups


def _link_rows(
    parent: Lit, options: list[str], sets: dict[str, dict[str, Any]], *, exact: bool
) -> list[list[Any]]:
    """Rows of the table (parent, group): exactly: a choice exactly when the parent is on;
    otherwise: a choice whenever the parent is on (and any choice or none when it is off)."""
    off = [None] if exact else [None, *options]
    if parent.kind == "bool":
        return [*([False, value] for value in off), *([True, value] for value in options)]
    parent_set = sets[parent.set_code]
    values: list[Any] = [option["code"] for option in parent_set["options"]]
    if not parent_set["required"]:
        values.append(None)
    rows: list[list[Any]] = []
    for value in values:
        children = options if value == parent.option else off
        rows.extend([value, child] for child in children)
    return rows
