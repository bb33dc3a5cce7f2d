"""The catalogue. Staff edit a product's *draft* (these rows); publishing freezes the draft into an
immutable :class:`ProductVersion` document that the storefront, quotes and orders use."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from configurator.engine.pricing import CostModel
from configurator.engine.validation import OPTION_SET_CODE_RE

from .choices import BreakMode, Currency, CustomizationLevel, OptionSetKind

ZERO = 0
#: An option set's settings beyond code, name, kind and help text, as they appear in documents.
OPTION_SET_SETTINGS = (
    "required",
    "default",
    "min_count",
    "max_count",
    "minimum",
    "maximum",
    "step",
    "unit",
    "max_length",
    "pattern",
    "price_delta",
    "cost_delta",
    "labour_minutes",
    "level",
)
option_set_code_validator = RegexValidator(
    OPTION_SET_CODE_RE,
    "Use letters, digits and '_' and do not start with a digit: rules refer to option sets by this name.",
)
code_validator = RegexValidator(
    r"^[^'\"\\\s](?:[^'\"\\\n\r\t]*[^'\"\\\s])?$", "No quotes, backslashes or surrounding spaces."
)


def _choices_constraint(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class Product(models.Model):
    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.EUR)
    baseline_price = models.DecimalField(
        "baseline price",
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text="Unit price of the mass-produced standard variant.",
    )
    baseline_unit_cost = models.DecimalField(
        "baseline unit cost",
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text="What one standard unit costs to make.",
    )
    baseline_lead_time_days = models.PositiveSmallIntegerField(
        "baseline lead time (business days)",
        help_text="Lead time of the standard variant.",
    )
    is_active = models.BooleanField("active", default=True, help_text="Shown in the storefront.")
    quantity_break_mode = models.CharField(
        max_length=10,
        choices=BreakMode.choices,
        default=BreakMode.WHOLE,
        help_text="Whole: the break the quantity reaches applies to every unit. Graduated: each break "
        "applies to the units that fall in it.",
    )
    current_version = models.ForeignKey(
        "ProductVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The published version the storefront and new quotes use.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "code"]
        constraints = [
            _choices_constraint("currency", Currency, "%(app_label)s_%(class)s_currency_valid"),
            _choices_constraint("quantity_break_mode", BreakMode, "%(app_label)s_%(class)s_break_mode_valid"),
            models.CheckConstraint(
                condition=Q(baseline_price__gte=0), name="%(app_label)s_%(class)s_price_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(baseline_unit_cost__gte=0), name="%(app_label)s_%(class)s_cost_gte_0"
            ),
        ]
        indexes = [models.Index(fields=["is_active", "name"], name="products_product_active_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Charges(models.Model):
    """What choosing something adds to the baseline."""

    price_delta = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    cost_delta = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    labour_minutes = models.PositiveIntegerField(default=0, help_text="Hand work this adds, per unit.")
    level = models.CharField(
        "customization level",
        max_length=10,
        choices=CustomizationLevel.choices,
        default=CustomizationLevel.STANDARD,
    )

    class Meta:
        abstract = True


class OptionSet(Charges):
    """A decision the customer makes. Number, text and yes/no sets carry their own charges,
    applied when used (a value other than the default, a non-empty text, yes)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="option_sets")
    code = models.CharField(max_length=64, validators=[option_set_code_validator])
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=OptionSetKind.choices)
    position = models.PositiveIntegerField(default=0)
    help_text = models.TextField(blank=True)
    required = models.BooleanField(
        default=True,
        help_text="Single choice: a value must be chosen. Text: must not be empty.",
    )
    default = models.JSONField(
        null=True,
        blank=True,
        help_text='Single: "code"; multiple: ["code", ...]; number: "42.5"; text: "..."; yes/no: true/false.',
    )
    min_count = models.PositiveSmallIntegerField(default=0, help_text="Multiple choice: at least this many.")
    max_count = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Multiple choice: at most this many (empty: no limit).",
    )
    minimum = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    maximum = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    step = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Number: 1 for whole numbers, 0.5 for halves, ...",
    )
    unit = models.CharField(max_length=20, blank=True)
    max_length = models.PositiveIntegerField(null=True, blank=True, help_text="Text: longest allowed.")
    pattern = models.CharField(
        max_length=200, blank=True, help_text="Text: a regular expression a non-empty text must match."
    )

    class Meta:
        ordering = ["product", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="%(app_label)s_%(class)s_unique_code"),
            _choices_constraint("kind", OptionSetKind, "%(app_label)s_%(class)s_kind_valid"),
            _choices_constraint("level", CustomizationLevel, "%(app_label)s_%(class)s_level_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Option(Charges):
    """A value of a single or multiple choice set."""

    option_set = models.ForeignKey(OptionSet, on_delete=models.CASCADE, related_name="options")
    code = models.CharField(max_length=100, validators=[code_validator])
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    material = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["option_set", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["option_set", "code"], name="%(app_label)s_%(class)s_unique_code"
            ),
            _choices_constraint("level", CustomizationLevel, "%(app_label)s_%(class)s_level_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Rule(models.Model):
    """``when`` (empty: always) requires ``require``; both in the condition language."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="rules")
    code = models.CharField(max_length=100, validators=[code_validator])
    when = models.TextField(blank=True, help_text="Optional condition, e.g. frame == 'carbon'.")
    require = models.TextField(help_text="Condition that must hold, e.g. brakes in ('disc', 'hydraulic').")
    message = models.CharField(max_length=300, blank=True, help_text="Shown to the customer when violated.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="%(app_label)s_%(class)s_unique_code"),
        ]

    def __str__(self) -> str:
        return self.code


class CompatibilityTable(models.Model):
    """The allowed combinations of values over some option sets (a variant table)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="tables")
    code = models.CharField(max_length=100, validators=[code_validator])
    message = models.CharField(max_length=300, blank=True)
    columns = models.JSONField(default=list, help_text="Option set codes, in column order.")
    rows = models.JSONField(default=list, help_text="Allowed rows: one list of values per row.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "id"]
        verbose_name = "compatibility table"
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="%(app_label)s_%(class)s_unique_code"),
        ]

    def __str__(self) -> str:
        return self.code


class CompileState(models.TextChoices):
    PENDING = "pending", "Waiting to be compiled"
    COMPILING = "compiling", "Compiling"
    READY = "ready", "Compiled"
    FAILED = "failed", "Cannot be compiled"


#: A version on its way to being compiled.
COMPILE_WAITING = (CompileState.PENDING, CompileState.COMPILING)


class PrecomputeState(models.TextChoices):
    PENDING = "pending", "Waiting for the compiled model"
    RUNNING = "running", "Precomputing explanations"
    READY = "ready", "Explanations precomputed"
    FAILED = "failed", "Precomputation failed"


class ProductVersion(models.Model):
    """A published, immutable snapshot of a product's draft, as a product document, and the state
    of its compiled engine model (see :mod:`products.compilation`)."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    document = models.JSONField()
    # Copied from the document so that lists never load it.
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    baseline_price = models.DecimalField(max_digits=12, decimal_places=2)
    baseline_lead_time_days = models.PositiveSmallIntegerField()
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the canonical document.")
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    document_bytes = models.PositiveIntegerField(
        default=0, help_text="Size of the document as compact JSON: decides where it is compiled."
    )
    compile_state = models.CharField(
        max_length=10, choices=CompileState.choices, default=CompileState.PENDING
    )
    compile_error = models.TextField(blank=True)
    compile_started_at = models.DateTimeField(null=True, blank=True)
    compiled_at = models.DateTimeField(null=True, blank=True)
    #: variables, clauses, bytes (pickled) and seconds of the last compilation.
    compile_stats = models.JSONField(default=dict, blank=True)
    precompute_state = models.CharField(
        max_length=10,
        choices=PrecomputeState.choices,
        default=PrecomputeState.PENDING,
        help_text="The answers computed ahead for this version's explanations (after compilation).",
    )
    precompute_progress = models.PositiveSmallIntegerField(
        default=0, help_text="Percent of the option values done while precomputing."
    )
    precompute_error = models.TextField(blank=True)
    precompute_started_at = models.DateTimeField(null=True, blank=True)
    precomputed_at = models.DateTimeField(null=True, blank=True)
    #: seconds, bytes (pickled), blocking pairs, configurations and solver calls of the precomputation.
    precompute_stats = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["product", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(
                fields=["product", "number"], name="%(app_label)s_%(class)s_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.code} v{self.number}"


_COST_DEFAULTS = CostModel()
_PERCENT = [MinValueValidator(0), MaxValueValidator(Decimal("99.99"))]


class CostModelFields(models.Model):
    """What customization costs and how long it takes; feeds the price breakdown and lead time."""

    setup_cost = models.DecimalField(
        "setup cost per changeover",
        max_digits=12,
        decimal_places=2,
        default=_COST_DEFAULTS.setup_cost,
        validators=[MinValueValidator(0)],
    )
    expected_batch_size = models.PositiveIntegerField(
        default=_COST_DEFAULTS.expected_batch_size,
        validators=[MinValueValidator(1)],
        help_text="Units a setup is shared by.",
    )
    labour_rate_per_hour = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=_COST_DEFAULTS.labour_rate_per_hour,
        validators=[MinValueValidator(0)],
    )
    inspection_cost_per_unit = models.DecimalField(
        "extra inspection per custom unit",
        max_digits=10,
        decimal_places=2,
        default=_COST_DEFAULTS.inspection_cost_per_unit,
        validators=[MinValueValidator(0)],
    )
    setup_margin_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=_COST_DEFAULTS.setup_margin_percent,
        validators=_PERCENT,
        help_text="Gross margin: price = cost / (1 - margin/100).",
    )
    labour_margin_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=_COST_DEFAULTS.labour_margin_percent,
        validators=_PERCENT,
    )
    inspection_margin_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=_COST_DEFAULTS.inspection_margin_percent,
        validators=_PERCENT,
    )
    batch_wait_days = models.PositiveSmallIntegerField(
        default=_COST_DEFAULTS.batch_wait_days,
        help_text="Business days a batch takes to fill.",
    )
    setup_days = models.PositiveSmallIntegerField(default=_COST_DEFAULTS.setup_days)
    custom_queue_days = models.PositiveSmallIntegerField(
        default=_COST_DEFAULTS.custom_queue_days,
        help_text="Business days a custom job waits in the job shop.",
    )
    hand_work_minutes_per_day = models.PositiveIntegerField(
        default=_COST_DEFAULTS.hand_work_minutes_per_day,
        validators=[MinValueValidator(1)],
    )
    inspection_days = models.PositiveSmallIntegerField(default=_COST_DEFAULTS.inspection_days)

    class Meta:
        abstract = True


class SiteCostModel(CostModelFields):
    """The site-wide cost model: products without their own use it. There is exactly one."""

    class Meta:
        verbose_name = "site-wide cost model"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="%(app_label)s_%(class)s_singleton")]

    def __str__(self) -> str:
        return "Site-wide cost model"

    @classmethod
    def current(cls) -> SiteCostModel:
        site, _ = cls.objects.get_or_create(pk=1)
        return site


class ProductCostModel(CostModelFields):
    """A product's own cost model, instead of the site-wide one."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="cost_model")

    class Meta:
        verbose_name = "product cost model"

    def __str__(self) -> str:
        return f"Cost model of {self.product.code}"


class PriceRule(models.Model):
    """A conditional surcharge or discount: a fixed amount per unit or a percent (negative: discount)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="price_rules")
    code = models.CharField(max_length=100, validators=[code_validator])
    label = models.CharField(max_length=200, help_text="Shown on the price line.")
    when = models.TextField(blank=True, help_text="Condition, e.g. frame == 'steel'; empty: always.")
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    percent = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(-100), MaxValueValidator(1000)],
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="%(app_label)s_%(class)s_unique_code"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True, percent__isnull=False)
                | Q(amount__isnull=False, percent__isnull=True),
                name="%(app_label)s_%(class)s_amount_or_percent",
                violation_error_message="Give either an amount or a percent.",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class QuantityBreak(models.Model):
    """From ``min_quantity`` units on, ``percent`` off the unit price."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="quantity_breaks")
    min_quantity = models.PositiveIntegerField(validators=[MinValueValidator(2)])
    percent = models.DecimalField(
        "discount percent",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("99.99"))],
    )

    class Meta:
        ordering = ["product", "min_quantity"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "min_quantity"], name="%(app_label)s_%(class)s_unique_min"
            ),
            models.CheckConstraint(
                condition=Q(min_quantity__gte=2), name="%(app_label)s_%(class)s_min_gte_2"
            ),
            models.CheckConstraint(
                condition=Q(percent__gt=0, percent__lt=100), name="%(app_label)s_%(class)s_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.percent}% from {self.min_quantity}"
