"""The project's URLs plus a bare Django view, for the load benchmark only (bench_settings.py):
the ceiling of this stack on this machine, served by the same gunicorn and middleware; the floor
of a write (an authenticated DRF view that inserts one row in a transaction: the least an order
placement can do); and each worker's configure-cache counters, so that the benchmark can print its
hit rate."""

import os
import uuid

from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from configurator.configure.services import configure_answers
from configurator.urls import handler404, handler500  # noqa: F401  (the project's error views)
from configurator.urls import urlpatterns as project_urlpatterns


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"code": "bare", "name": "A small JSON document", "items": [1, 2, 3]})


class FloorWrite(APIView):
    """The API's defaults (its authentication, signed-in users only, its renderers), no throttle;
    writes one row in a transaction and answers 201."""

    def post(self, request: Request) -> Response:
        with transaction.atomic():
            group = Group.objects.create(name=f"floor-{uuid.uuid4()}")
        return Response({"id": group.pk}, status=201)


def cache_stats(request: HttpRequest) -> JsonResponse:
    stats = configure_answers.stats()
    return JsonResponse(
        {"pid": os.getpid(), "hits": stats.hits, "misses": stats.misses, "bytes": stats.bytes}
    )


urlpatterns = [
    path("bench/bare", bare),
    path("bench/floor-write", FloorWrite.as_view()),
    path("bench/cache", cache_stats),
    *project_urlpatterns,
]
