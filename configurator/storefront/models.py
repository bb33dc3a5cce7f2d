"""The storefront's own data: configurations customers saved under a name.

They live here rather than in ``accounts`` because they are a client's bookmarks of the catalogue:
``products`` already depends on ``accounts`` (who published a version), so a model in ``accounts``
pointing at products would tie the two apps in a circle. The storefront already knows products."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from products.models import Product


class SavedConfiguration(models.Model):
    """A customer's named configuration of a product, as the selections of the version it was made
    with; reopening it re-checks them against the current version."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_configurations"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="saved_configurations")
    version = models.PositiveIntegerField(help_text="The published version the selections were made with.")
    name = models.CharField(max_length=100)
    selections = models.JSONField(help_text="Option set code -> value, in the order they were chosen.")
    quantity = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "product", "name"], name="%(app_label)s_%(class)s_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="%(app_label)s_%(class)s_quantity_gte_1"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-updated_at"], name="storefront_saved_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.product.code})"
