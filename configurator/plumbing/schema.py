"""The OpenAPI schema endpoint, generated once per process (so once per deploy), not per request."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularAPIView
from rest_framework.request import Request


class SchemaApi(SpectacularAPIView):
    """The public schema depends on the code alone, never on the request, so it is generated and
    rendered once per process and format and served from memory after that. Generating it takes a
    third of a second of CPU, which anyone could otherwise ask for again and again.

    ``?lang=`` and ``?version=`` are not offered: the API has one language and one version."""

    _rendered: ClassVar[dict[str, tuple[bytes, str, str]]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    @extend_schema(**SCHEMA_KWARGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        renderer = request.accepted_renderer
        key = request.accepted_media_type
        with self._lock:
            entry = self._rendered.get(key)
            if entry is None:
                generated = self._get_schema_response(request)
                content = renderer.render(generated.data, key, self.get_renderer_context())
                content_type = (
                    f"{renderer.media_type}; charset={renderer.charset}" if renderer.charset else key
                )
                entry = (content, content_type, generated.headers["Content-Disposition"])
                self._rendered[key] = entry
        content, content_type, disposition = entry
        return HttpResponse(content, content_type=content_type, headers={"Content-Disposition": disposition})

    def _get_version_parameter(self, request: Request) -> None:
        return None
