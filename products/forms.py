"""Admin forms: rule conditions, option sets and tables are checked by the engine on save, and
their errors are shown on the field at fault."""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from configurator.engine.document import model_from_document, option_set_from_document
from configurator.engine.errors import ExpressionError
from configurator.engine.expressions import condition
from configurator.engine.model import Kind, ProductModel, Table
from configurator.engine.validation import validate_model

from .documents import canonical_document, canonical_option_set, plain_number
from .models import OPTION_SET_SETTINGS, CompatibilityTable, OptionSet, PriceRule, Product, Rule
from .selectors import product_draft_data


def _draft_option_sets(product: Product | None) -> dict:
    if product is None or product.pk is None:
        return {}
    model = model_from_document(canonical_document(product_draft_data(product)))
    return dict(model.option_set_index)


class ConditionFieldsForm(forms.ModelForm):
    """Checks the condition fields of a form against the product's option sets, on the field."""

    condition_fields: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        option_sets = _draft_option_sets(getattr(self.instance, "product", None))
        for field in self.condition_fields:
            source = cleaned.get(field) or ""
            if not source.strip():
                continue
            try:
                condition(source, option_sets)
            except ExpressionError as error:
                self.add_error(field, f"Column {error.column}: {error.reason}")
        return cleaned


class RuleForm(ConditionFieldsForm):
    condition_fields = ("when", "require")

    class Meta:
        model = Rule
        fields = ["code", "when", "require", "message", "position"]
        widgets = {
            "when": forms.TextInput(attrs={"size": 40}),
            "require": forms.TextInput(attrs={"size": 50}),
        }


class PriceRuleForm(ConditionFieldsForm):
    condition_fields = ("when",)

    class Meta:
        model = PriceRule
        fields = ["code", "label", "when", "amount", "percent", "position"]
        widgets = {"when": forms.TextInput(attrs={"size": 40})}


_KIND_SPECIFIC_OPTION_PATHS = (".options", ".default")


class OptionSetForm(forms.ModelForm):
    class Meta:
        model = OptionSet
        fields = ["product", "code", "name", "kind", "position", "help_text", *OPTION_SET_SETTINGS]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.errors or not cleaned.get("kind"):
            return cleaned
        # The inline on the product page edits a few fields; the others keep the instance's values.
        data = {
            field.name: cleaned[field.name] if field.name in cleaned else getattr(self.instance, field.name)
            for field in OptionSet._meta.concrete_fields
        }
        data["options"] = []
        if data["kind"] == Kind.NUMBER and data.get("step") is None:
            self.add_error("step", "A number set needs a step (1 for whole numbers).")
            return cleaned
        if data["kind"] == Kind.TEXT and not data.get("max_length"):
            self.add_error("max_length", "A text set needs a maximum length.")
            return cleaned
        try:
            option_set = option_set_from_document(canonical_option_set(data))
        except (ValueError, TypeError, ArithmeticError) as error:
            self.add_error("default", f"Not a valid default for a {data['kind']} set: {error}.")
            return cleaned
        # Options are edited on the same page, so checks that need them wait for the draft check.
        ignore_options = data["kind"] in (Kind.SINGLE, Kind.MULTI)
        for issue in validate_model(ProductModel(code="draft", option_sets=(option_set,))):
            field = issue.path.split(".", 1)[1].split("[")[0]
            if ignore_options and any(part in issue.path for part in _KIND_SPECIFIC_OPTION_PATHS):
                continue
            self.add_error(field if field in self.fields else None, issue.message)
        return cleaned


def _parse_cell(kind: Kind | None, text: str) -> Any:
    text = text.strip()
    if kind is Kind.BOOLEAN:
        lowered = text.lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0"):
            return False
        raise ValidationError(f"{text!r} is not yes or no.")
    if kind is Kind.NUMBER:
        try:
            return plain_number(Decimal(text))
        except InvalidOperation:
            raise ValidationError(f"{text!r} is not a number.") from None
    return text or None


def _format_cell(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    return str(cell)


class CompatibilityTableForm(forms.ModelForm):
    columns_text = forms.CharField(
        label="Option sets",
        help_text="Option set codes separated by commas, e.g. frame, size.",
    )
    rows_text = forms.CharField(
        label="Allowed rows",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60}),
        help_text="One allowed combination per line, values separated by commas (yes/no for yes/no sets).",
    )

    class Meta:
        model = CompatibilityTable
        fields = ["code", "message", "position"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["columns_text"].initial = ", ".join(self.instance.columns)
            self.fields["rows_text"].initial = "\n".join(
                ", ".join(_format_cell(cell) for cell in row) for row in self.instance.rows
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        columns = [code.strip() for code in (cleaned.get("columns_text") or "").split(",") if code.strip()]
        option_sets = _draft_option_sets(getattr(self.instance, "product", None))
        unknown = [code for code in columns if code not in option_sets]
        if unknown:
            self.add_error("columns_text", f"Unknown option sets: {', '.join(unknown)}.")
            return cleaned
        kinds = [option_sets[code].kind for code in columns]
        rows = []
        for number, line in enumerate(csv.reader(io.StringIO(cleaned.get("rows_text") or "")), start=1):
            if not any(cell.strip() for cell in line):
                continue
            if len(line) != len(columns):
                self.add_error(
                    "rows_text", f"Line {number} has {len(line)} values for {len(columns)} option sets."
                )
                return cleaned
            try:
                rows.append([_parse_cell(kind, cell) for kind, cell in zip(kinds, line, strict=True)])
            except ValidationError as error:
                self.add_error("rows_text", f"Line {number}: {error.messages[0]}")
                return cleaned
        cleaned["columns"], cleaned["rows"] = columns, rows
        table = Table(
            code=cleaned.get("code") or "table",
            option_sets=tuple(columns),
            rows=tuple(
                tuple(
                    Decimal(cell) if kind is Kind.NUMBER else cell
                    for kind, cell in zip(kinds, row, strict=True)
                )
                for row in rows
            ),
        )
        model = ProductModel(code="draft", option_sets=tuple(option_sets.values()), tables=(table,))
        for issue in validate_model(model):
            if issue.path.startswith("tables[0].rows"):
                row = int(issue.path.split("rows[")[1].split("]")[0])
                self.add_error("rows_text", f"Row {row + 1}: {issue.message}.")
            elif issue.path.startswith("tables[0].option_sets"):
                self.add_error("columns_text", issue.message)
        return cleaned

    def save(self, commit: bool = True) -> CompatibilityTable:
        self.instance.columns = self.cleaned_data["columns"]
        self.instance.rows = self.cleaned_data["rows"]
        return super().save(commit=commit)
