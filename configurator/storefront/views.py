"""The storefront's pages. Each renders what the page needs on first paint; the configurator, the
quote-to-order step and the order page then talk to the public API from the browser."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from configurator.plumbing.authentication import authenticated_user
from configurator.plumbing.errors import NotFoundError
from orders.apis import OrderOutput, QuoteOutput
from orders.selectors import order_get, order_list, quote_get, quote_list
from orders.states import OrderStatus
from products.apis import storefront_view
from products.selectors import product_document, product_get, product_list

from .apis import SavedConfigurationOutput
from .presenting import option_set_groups, selection_summary
from .selectors import saved_configuration_list
from .services import saved_configuration_delete

#: Products with a drawing that follows the configuration (templates/storefront/pictures/).
PICTURES = {"city-bike", "office-chair", "custom-shirt"}
#: Statuses after which an order no longer changes by itself: the order page stops refreshing.
SETTLED_STATUSES = [OrderStatus.COMPLETED, OrderStatus.SHIPPED, OrderStatus.CANCELLED]


def catalogue(request: HttpRequest) -> HttpResponse:
    """The front door: every published product with its picture, baseline price and lead time."""
    cards = [
        {"product": product, "picture": picture_template(product.code)}
        for product in product_list(staff=False)
    ]
    return render(request, "storefront/catalogue.html", {"cards": cards})


def picture_template(code: str) -> str | None:
    return f"storefront/pictures/{code}.svg" if code in PICTURES else None


def product_page(request: HttpRequest, code: str) -> HttpResponse:
    """The configurator of one product's current version."""
    try:
        product = product_get(code=code, staff=False)
    except NotFoundError:
        raise Http404 from None
    version = product.current_version
    assert version is not None, "product_get(staff=False) answers published products only"
    document = product_document(product=product, version=version)
    view = storefront_view(document, version=version.number, staff=False)
    breaks = document.get("pricing", {}).get("quantity_breaks", {"mode": "none", "tiers": []})
    return render(
        request,
        "storefront/product.html",
        {
            "product": view,
            "groups": option_set_groups(view["option_sets"], view["currency"]),
            "quantity_breaks": breaks,
            "max_quantity": settings.ATELIER_MAX_QUANTITY,
            "picture": picture_template(code),
            "page_data": {
                "product": view,
                "loggedIn": request.user.is_authenticated,
                "loginUrl": f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}",
            },
        },
    )


@login_required
def quotes(request: HttpRequest) -> HttpResponse:
    return render(
        request, "storefront/quotes.html", {"quotes": quote_list(actor=authenticated_user(request))[:100]}
    )


@login_required
def quote_page(request: HttpRequest, quote_id) -> HttpResponse:
    """A quote: what was configured, its frozen price and validity, and the order form."""
    user = authenticated_user(request)
    try:
        quote = quote_get(actor=user, quote_id=quote_id)
    except NotFoundError:
        raise Http404 from None
    data = QuoteOutput(quote, context={"staff": user.is_staff, "now": timezone.now()}).data
    ordered = hasattr(quote, "order")
    return render(
        request,
        "storefront/quote.html",
        {
            "quote": quote,
            "data": data,
            "summary": selection_summary(quote.product_version.document, quote.selections),
            "ordered_order": quote.order if ordered else None,
            "page_data": {"quote": str(quote.id)},
        },
    )


@login_required
def orders(request: HttpRequest) -> HttpResponse:
    return render(
        request, "storefront/orders.html", {"orders": order_list(actor=authenticated_user(request))[:100]}
    )


@login_required
def order_page(request: HttpRequest, order_id) -> HttpResponse:
    """An order as it moves through production; the page refreshes itself from the order API."""
    user = authenticated_user(request)
    try:
        order = order_get(actor=user, order_id=order_id)
    except NotFoundError:
        raise Http404 from None
    data = OrderOutput(order, context={"staff": user.is_staff}).data
    return render(
        request,
        "storefront/order.html",
        {
            "order": order,
            "summary": selection_summary(order.product_version.document, order.selections),
            "page_data": {
                "order": data,
                "settled": SETTLED_STATUSES,
                "refreshSeconds": settings.ATELIER_ORDER_REFRESH_SECONDS,
            },
        },
    )


@login_required
def saved(request: HttpRequest) -> HttpResponse:
    items = SavedConfigurationOutput(
        saved_configuration_list(actor=authenticated_user(request))[:200], many=True
    ).data
    return render(request, "storefront/saved.html", {"saved": items})


@login_required
@require_POST
def saved_delete(request: HttpRequest, saved_id: int) -> HttpResponse:
    try:
        saved_configuration_delete(actor=authenticated_user(request), saved_id=saved_id)
    except NotFoundError:
        raise Http404 from None
    messages.success(request, "The saved configuration was deleted.")
    return redirect("saved")
