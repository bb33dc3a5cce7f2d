"""Check a product model before it is compiled or published: every problem, with its path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from .domains import number_bounds
from .errors import ExpressionError
from .expressions import condition
from .expressions.tokenizer import KEYWORDS
from .model import Kind, OptionSet, ProductModel, Table
from .patterns import full_match, pattern_error

OPTION_SET_CODE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
OPTION_CODE_RE = re.compile(r"^[^'\"\\\s](?:[^'\"\\\n\r\t]*[^'\"\\\s])?$")
MAX_CODE_LENGTH = 100
MAX_NUMBER_VALUES = 10_000
MAX_TEXT_LENGTH = 1_000
TABLE_KINDS = frozenset({Kind.SINGLE, Kind.BOOLEAN, Kind.NUMBER})


@dataclass(frozen=True, slots=True)
class ModelIssue:
    """One problem: ``path`` names the element (``rules[2].require``), ``position`` the column
    offset inside an expression."""

    path: str
    code: str
    message: str
    position: int | None = None


def number_domain_size(option_set: OptionSet) -> int:
    low, high = number_bounds(option_set)
    return int((high - low) // option_set.step) + 1


def in_number_domain(option_set: OptionSet, value: Decimal) -> bool:
    low, high = number_bounds(option_set)
    if not low <= value <= high:
        return False
    return (value - low) % option_set.step == 0


def validate_model(model: ProductModel) -> list[ModelIssue]:
    issues: list[ModelIssue] = []
    faulty = _check_option_sets(model, issues)
    option_sets: dict[str, OptionSet] = {}
    for option_set in model.option_sets:
        option_sets.setdefault(option_set.code, option_set)
    constraint_codes: dict[str, str] = {}
    for index, rule in enumerate(model.rules):
        path = f"rules[{index}]"
        _check_constraint_code(rule.code, f"{path}.code", constraint_codes, issues)
        for field_name in ("when", "require"):
            source = getattr(rule, field_name)
            if field_name == "when" and not source.strip():
                continue
            try:
                condition(source, option_sets)
            except ExpressionError as error:
                issues.append(
                    ModelIssue(
                        f"{path}.{field_name}",
                        error.code,
                        f"column {error.column}: {error.reason}",
                        error.position,
                    )
                )
    for index, table in enumerate(model.tables):
        _check_table(index, table, option_sets, faulty, constraint_codes, issues)
    return issues


def _check_constraint_code(code: str, path: str, seen: dict[str, str], issues: list[ModelIssue]) -> None:
    if not code or len(code) > MAX_CODE_LENGTH or not OPTION_CODE_RE.match(code):
        issues.append(ModelIssue(path, "invalid_code", "a code is 1 to 100 characters without quotes"))
    elif code in seen:
        issues.append(ModelIssue(path, "duplicate_code", f"{code!r} is already used by {seen[code]}"))
    else:
        seen[code] = path


def _check_option_sets(model: ProductModel, issues: list[ModelIssue]) -> set[str]:
    """Check every option set; return the codes of those with problems."""
    seen: dict[str, int] = {}
    faulty: set[str] = set()
    for index, option_set in enumerate(model.option_sets):
        before = len(issues)
        path = f"option_sets[{index}]"
        code = option_set.code
        if not OPTION_SET_CODE_RE.match(code) or code in KEYWORDS or len(code) > MAX_CODE_LENGTH:
            issues.append(
                ModelIssue(
                    f"{path}.code",
                    "invalid_code",
                    f"{code!r} must be a name made of letters, digits and '_' that does "
                    "not start with a digit and is not a keyword",
                )
            )
        elif code in seen:
            issues.append(
                ModelIssue(
                    f"{path}.code", "duplicate_code", f"{code!r} is already used by option_sets[{seen[code]}]"
                )
            )
        else:
            seen[code] = index
        checker = _KIND_CHECKS[option_set.kind]
        checker(option_set, path, issues)
        if option_set.labour_minutes < 0:
            issues.append(ModelIssue(f"{path}.labour_minutes", "negative", "must not be negative"))
        if len(issues) > before:
            faulty.add(code)
    return faulty


def _check_options(option_set: OptionSet, path: str, issues: list[ModelIssue]) -> set[str]:
    if not option_set.options:
        issues.append(ModelIssue(f"{path}.options", "no_options", f"a {option_set.kind} set needs options"))
    codes: set[str] = set()
    for index, option in enumerate(option_set.options):
        option_path = f"{path}.options[{index}]"
        if not option.code or len(option.code) > MAX_CODE_LENGTH or not OPTION_CODE_RE.match(option.code):
            issues.append(
                ModelIssue(
                    f"{option_path}.code",
                    "invalid_code",
                    "a code is 1 to 100 characters without quotes or surrounding spaces",
                )
            )
        elif option.code in codes:
            issues.append(
                ModelIssue(
                    f"{option_path}.code",
                    "duplicate_code",
                    f"{option.code!r} appears twice in {option_set.code}",
                )
            )
        codes.add(option.code)
        if option.labour_minutes < 0:
            issues.append(ModelIssue(f"{option_path}.labour_minutes", "negative", "must not be negative"))
    return codes


def _check_single(option_set: OptionSet, path: str, issues: list[ModelIssue]) -> None:
    codes = _check_options(option_set, path, issues)
    default = option_set.default
    if default is not None and default not in codes:
        issues.append(ModelIssue(f"{path}.default", "unknown_option", f"{default!r} is not an option"))


def _check_multi(option_set: OptionSet, path: str, issues: list[ModelIssue]) -> None:
    codes = _check_options(option_set, path, issues)
    maximum = len(option_set.options) if option_set.max_count is None else option_set.max_count
    if option_set.min_count < 0:
        issues.append(ModelIssue(f"{path}.min_count", "negative", "must not be negative"))
    if maximum < option_set.min_count:
        issues.append(ModelIssue(f"{path}.max_count", "below_minimum", "must not be below min_count"))
    if option_set.min_count > len(option_set.options):
        issues.append(
            ModelIssue(f"{path}.min_count", "too_many", f"there are only {len(option_set.options)} options")
        )
    default = option_set.default
    if default is None:
        return
    if not isinstance(default, (tuple, list, frozenset)):
        issues.append(ModelIssue(f"{path}.default", "wrong_type", "a multiple choice default is a list"))
        return
    unknown = [code for code in default if code not in codes]
    if unknown:
        issues.append(ModelIssue(f"{path}.default", "unknown_option", f"not options: {', '.join(unknown)}"))
    elif len(set(default)) != len(default):
        issues.append(ModelIssue(f"{path}.default", "duplicate_option", "lists an option twice"))
    elif not option_set.min_count <= len(default) <= maximum:
        issues.append(
            ModelIssue(f"{path}.default", "count", f"must list {option_set.min_count} to {maximum} options")
        )


def _check_number(option_set: OptionSet, path: str, issues: list[ModelIssue]) -> None:
    if option_set.options:
        issues.append(ModelIssue(f"{path}.options", "unexpected", "a number set has no options"))
    low, high, step = option_set.minimum, option_set.maximum, option_set.step
    if low is None or high is None:
        issues.append(ModelIssue(f"{path}.minimum", "required", "a number set needs a minimum and a maximum"))
        return
    if step is None or step <= 0:
        issues.append(ModelIssue(f"{path}.step", "not_positive", "the step must be above zero"))
        return
    if high < low:
        issues.append(ModelIssue(f"{path}.maximum", "below_minimum", "must not be below the minimum"))
        return
    size = number_domain_size(option_set)
    if size > MAX_NUMBER_VALUES:
        issues.append(
            ModelIssue(
                f"{path}.step",
                "domain_too_large",
                f"{low} to {high} in steps of {step} gives {size} values; "
                f"the limit is {MAX_NUMBER_VALUES} (raise the step)",
            )
        )
    default = option_set.default
    if default is not None and (
        not isinstance(default, Decimal) or not in_number_domain(option_set, default)
    ):
        issues.append(
            ModelIssue(
                f"{path}.default", "out_of_range", f"{default} is not one of {low}, {low + step}, ... {high}"
            )
        )


def _check_text(option_set: OptionSet, path: str, issues: list[ModelIssue]) -> None:
    if option_set.options:
        issues.append(ModelIssue(f"{path}.options", "unexpected", "a text set has no options"))
    if not 1 <= option_set.max_length <= MAX_TEXT_LENGTH:
        issues.append(
            ModelIssue(f"{path}.max_length", "out_of_range", f"must be between 1 and {MAX_TEXT_LENGTH}")
        )
    usable = False
    if option_set.pattern:
        reason = pattern_error(option_set.pattern)
        if reason is not None:
            issues.append(ModelIssue(f"{path}.pattern", "invalid_pattern", reason))
        usable = reason is None
    default = option_set.default
    if default is None or default == "":
        return
    if not isinstance(default, str) or len(default) > option_set.max_length:
        issues.append(ModelIssue(f"{path}.default", "too_long", "longer than max_length"))
    elif usable and not full_match(option_set.pattern, default):
        issues.append(ModelIssue(f"{path}.default", "pattern", "does not match the pattern"))


def _check_boolean(option_set: OptionSet, path: str, issues: list[ModelIssue]) -> None:
    if option_set.options:
        issues.append(ModelIssue(f"{path}.options", "unexpected", "a yes/no set has no options"))
    if option_set.default is not None and not isinstance(option_set.default, bool):
        issues.append(ModelIssue(f"{path}.default", "wrong_type", "must be true or false"))


_KIND_CHECKS = {
    Kind.SINGLE: _check_single,
    Kind.MULTI: _check_multi,
    Kind.NUMBER: _check_number,
    Kind.TEXT: _check_text,
    Kind.BOOLEAN: _check_boolean,
}


def _check_table(
    index: int,
    table: Table,
    option_sets: dict[str, OptionSet],
    faulty: set[str],
    constraint_codes: dict[str, str],
    issues: list[ModelIssue],
) -> None:
    path = f"tables[{index}]"
    _check_constraint_code(table.code, f"{path}.code", constraint_codes, issues)
    if not table.option_sets:
        issues.append(ModelIssue(f"{path}.option_sets", "empty", "a table needs at least one option set"))
        return
    columns: list[OptionSet | None] = []
    for column, code in enumerate(table.option_sets):
        option_set = option_sets.get(code)
        if option_set is None:
            issues.append(
                ModelIssue(
                    f"{path}.option_sets[{column}]", "unknown_option_set", f"unknown option set {code!r}"
                )
            )
        elif option_set.kind not in TABLE_KINDS:
            issues.append(
                ModelIssue(
                    f"{path}.option_sets[{column}]",
                    "wrong_kind",
                    f"{code} is a {option_set.kind} set; tables take single, boolean and number sets",
                )
            )
            option_set = None
        elif code in table.option_sets[:column]:
            issues.append(
                ModelIssue(f"{path}.option_sets[{column}]", "duplicate_option_set", f"{code} appears twice")
            )
        columns.append(option_set)
    for row_index, row in enumerate(table.rows):
        row_path = f"{path}.rows[{row_index}]"
        if len(row) != len(columns):
            issues.append(
                ModelIssue(row_path, "row_length", f"has {len(row)} values for {len(columns)} option sets")
            )
            continue
        for column, (option_set, cell) in enumerate(zip(columns, row, strict=False)):
            if option_set is not None and option_set.code not in faulty and not cell_fits(option_set, cell):
                shown = format(cell, "f") if isinstance(cell, Decimal) else repr(cell)
                issues.append(
                    ModelIssue(
                        f"{row_path}[{column}]",
                        "invalid_value",
                        f"{shown} is not a value of {option_set.code}",
                    )
                )


def cell_fits(option_set: OptionSet, cell: object) -> bool:
    """Whether a table cell is a value of its column's option set."""
    if option_set.kind is Kind.SINGLE:
        if cell is None:
            return not option_set.required
        return any(option.code == cell for option in option_set.options)
    if option_set.kind is Kind.BOOLEAN:
        return isinstance(cell, bool)
    return isinstance(cell, Decimal) and in_number_domain(option_set, cell)
