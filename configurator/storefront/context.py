"""What every storefront page knows: the navigation, and the staff's links."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse


def storefront(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    staff_links = []
    if user is not None and user.is_authenticated and user.is_staff:
        staff_links.append({"label": "Admin", "url": reverse("admin:index")})
        staff_links.append({"label": "Orders (admin)", "url": reverse("admin:orders_order_changelist")})
    return {"staff_links": staff_links}
