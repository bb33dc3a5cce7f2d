"""Responses whose JSON body was rendered before (and may have been remembered)."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.http.response import HttpResponseBase
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response


def rendered_json(request: Request, body: bytes) -> HttpResponseBase:
    """A body the JSON renderer rendered, sent as it is; parsed again only for another renderer
    (the browsable API while DEBUG is on)."""
    if request.accepted_renderer.format == "json":
        return HttpResponse(body, content_type=JSONRenderer.media_type)
    return Response(json.loads(body))
