import django_filters

from configurator.plumbing.filters import StrictBooleanFilter, StrictFilterSet

from .models import Product


class ProductFilter(StrictFilterSet):
    active = StrictBooleanFilter(field_name="is_active", help_text="Staff: only (in)active products.")
    published = StrictBooleanFilter(
        field_name="current_version",
        lookup_expr="isnull",
        exclude=True,
        help_text="Staff: only products with (or without) a published version.",
    )
    currency = django_filters.CharFilter(
        field_name="listed_currency", lookup_expr="iexact", help_text="A currency code, e.g. EUR."
    )

    class Meta:
        model = Product
        fields = ["active", "published", "currency"]
