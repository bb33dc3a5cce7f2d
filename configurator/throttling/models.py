"""Request counters in the database: the shared store of the throttle when no cache is configured,
and its fallback while the configured cache is down."""

from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    """Requests of one key (scope and user) in one fixed window of time."""

    key = models.CharField(max_length=200)
    window = models.BigIntegerField(help_text="Start of the window, in whole windows since the epoch.")
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(help_text="After this, the row counts for nothing and is purged.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="%(app_label)s_%(class)s_unique_window"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="throttling_counter_expires")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window}: {self.count}"
