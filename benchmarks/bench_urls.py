"""The project's URLs plus a bare Django view, for the load benchmark only (bench_settings.py):
the ceiling of this stack on this machine, served by the same gunicorn and middleware; and each
worker's configure-cache counters, so that the benchmark can print its hit rate."""

import os

from django.http import HttpRequest, JsonResponse
from django.urls import path

from configurator.configure.services import configure_answers
from configurator.urls import handler404, handler500  # noqa: F401  (the project's error views)
from configurator.urls import urlpatterns as project_urlpatterns


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"code": "bare", "name": "A small JSON document", "items": [1, 2, 3]})


def cache_stats(request: HttpRequest) -> JsonResponse:
    stats = configure_answers.stats()
    return JsonResponse(
        {"pid": os.getpid(), "hits": stats.hits, "misses": stats.misses, "bytes": stats.bytes}
    )


urlpatterns = [path("bench/bare", bare), path("bench/cache", cache_stats), *project_urlpatterns]
