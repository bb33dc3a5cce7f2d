"""The storefront's pages."""

from django.http import HttpRequest
from django.shortcuts import render

from products.selectors import product_list


def home(request: HttpRequest):
    """The front door: published products and where to go next."""
    products = product_list(staff=False)
    return render(request, "home.html", {"products": products})
