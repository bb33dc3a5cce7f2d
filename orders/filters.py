import django_filters
from django.db.models import QuerySet
from django.utils import timezone

from configurator.plumbing.filters import StrictBooleanFilter, StrictFilterSet, UtcIsoDateTimeFilter
from products.choices import ProductionMode

from .models import Order, Quote
from .states import OrderStatus


class QuoteFilter(StrictFilterSet):
    product = django_filters.CharFilter(field_name="product__code", help_text="A product code.")
    production_mode = django_filters.ChoiceFilter(choices=ProductionMode.choices)
    expired = StrictBooleanFilter(
        method="filter_expired", help_text="Only expired (true) or open (false) quotes."
    )
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Quote
        fields = ["product", "production_mode", "expired", "created_after", "created_before"]

    def filter_expired(self, queryset: QuerySet[Quote], name: str, value: bool | None) -> QuerySet[Quote]:
        if value is None:
            return queryset
        now = timezone.now()
        return queryset.filter(valid_until__lte=now) if value else queryset.filter(valid_until__gt=now)


class OrderFilter(StrictFilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=OrderStatus.choices, help_text="One or more statuses."
    )
    production_mode = django_filters.ChoiceFilter(choices=ProductionMode.choices)
    product = django_filters.CharFilter(field_name="product__code", help_text="A product code.")
    batch = django_filters.CharFilter(field_name="batch", help_text="A batch code.")
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Order
        fields = ["status", "production_mode", "product", "batch", "created_after", "created_before"]
