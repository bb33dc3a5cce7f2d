from django.db import models

from configurator.engine.model import Kind, Level
from configurator.engine.pricing import BreakMode as EngineBreakMode
from configurator.engine.pricing import Mode


class OptionSetKind(models.TextChoices):
    SINGLE = Kind.SINGLE.value, "Single choice"
    MULTI = Kind.MULTI.value, "Multiple choice"
    NUMBER = Kind.NUMBER.value, "Number (made to measure)"
    TEXT = Kind.TEXT.value, "Free text"
    BOOLEAN = Kind.BOOLEAN.value, "Yes / no"


class CustomizationLevel(models.TextChoices):
    STANDARD = Level.STANDARD.value, "Standard (mass-produced line)"
    BATCHABLE = Level.BATCHABLE.value, "Batchable (needs a setup, can be batched)"
    BESPOKE = Level.BESPOKE.value, "Bespoke (hand work, made to measure)"


class Currency(models.TextChoices):
    EUR = "EUR", "Euro"
    USD = "USD", "US dollar"
    GBP = "GBP", "Pound sterling"
    CHF = "CHF", "Swiss franc"
    SEK = "SEK", "Swedish krona"
    DKK = "DKK", "Danish krone"
    NOK = "NOK", "Norwegian krone"
    PLN = "PLN", "Polish złoty"
    CZK = "CZK", "Czech koruna"
    CAD = "CAD", "Canadian dollar"
    AUD = "AUD", "Australian dollar"
    JPY = "JPY", "Japanese yen"


class BreakMode(models.TextChoices):
    WHOLE = EngineBreakMode.WHOLE.value, "Whole quantity"
    GRADUATED = EngineBreakMode.GRADUATED.value, "Graduated"


class ProductionMode(models.TextChoices):
    """How an order is made; decided by pricing (configurator.engine.pricing.Mode)."""

    STANDARD = Mode.STANDARD.value, "Standard line"
    BATCH = Mode.BATCH.value, "Batch"
    CUSTOM = Mode.CUSTOM.value, "Custom (job shop)"
