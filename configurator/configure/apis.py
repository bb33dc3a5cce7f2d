"""The configure and explain endpoints: exact guidance, validation, explanations, repairs and a
price for a (partial) configuration."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.http.response import HttpResponseBase
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from configurator.plumbing.openapi import error_responses
from manufacturing.footprint import FootprintComparison
from manufacturing.loading import factory_spec_current
from products.models import Product
from products.runtime import configurator_get
from products.selectors import (
    ModelSource,
    product_get,
    product_model_source,
    published_model_source,
    published_version_get,
)

from .presenters import Presenter
from .serializers import ConfigureInput, ConfigureOutput, ExplainInput, ExplainOutput, configure_output_data
from .services import (
    Evaluation,
    configuration_answer,
    configuration_answer_remembered,
    value_explanation,
)

VERSION_PARAMETER = OpenApiParameter(
    "version",
    str,
    description="Staff: a version number or `draft`; default: the published version.",
    pattern=r"^(\d+|draft|current)$",
)


def _is_staff(request: Request) -> bool:
    return bool(request.user and request.user.is_staff)


def _model_source(request: Request, code: str) -> tuple[Product, ModelSource]:
    """The product and the version of it this request is about."""
    staff = _is_staff(request)
    product = product_get(code=code, staff=staff)
    source = product_model_source(product=product, version=request.query_params.get("version"), staff=staff)
    return product, source


class ConfigureApi(APIView):
    """Validate and guide a (partial) configuration of the published version.

    `selections` maps option set codes to values, in the order the customer chose them (repairs keep
    the most recent choices). Option sets left out are still open."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="products_configure",
        request=ConfigureInput,
        parameters=[VERSION_PARAMETER],
        responses={200: ConfigureOutput, **error_responses(400, 404, 503)},
        examples=[
            OpenApiExample(
                "A carbon city bike",
                value={"selections": {"frame": "carbon", "accessories": ["lights"]}, "quantity": 1},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, code: str) -> HttpResponseBase:
        staff = _is_staff(request)
        spec = factory_spec_current()
        found: tuple[Product, ModelSource] | None = None
        if not staff and "version" not in request.query_params:
            published = published_version_get(code=code)
            if published is not None:
                remembered = configuration_answer_remembered(
                    published=published, body=request.body, spec=spec
                )
                if remembered is not None:
                    return _json(request, remembered)
                found = published_model_source(published)
        product, source = found or _model_source(request, code)

        def parse() -> dict[str, Any]:
            serializer = ConfigureInput(data=request.data)
            serializer.is_valid(raise_exception=True)
            return serializer.validated_data

        def render(evaluation: Evaluation, footprint: FootprintComparison | None) -> bytes:
            answer = Presenter(evaluation.model).configure(evaluation, footprint)
            return JSONRenderer().render(configure_output_data(answer, staff=staff))

        body = configuration_answer(
            product=product,
            source=source,
            body=request.body,
            parse=parse,
            staff=staff,
            spec=spec,
            render=render,
        )
        return _json(request, body)


def _json(request: Request, body: bytes) -> HttpResponseBase:
    """An answer rendered by the JSON renderer, sent as it is; parsed again only for another
    renderer (the browsable API while DEBUG is on)."""
    if request.accepted_renderer.format == "json":
        return HttpResponse(body, content_type=JSONRenderer.media_type)
    return Response(json.loads(body))


class ExplainApi(APIView):
    """Why one value cannot be chosen with these selections: a minimal set of the customer's own
    choices and the rules or tables that block it. For a value the configure response left without
    reasons (`explained: false`), or to explain a number or a value on demand."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="products_explain",
        request=ExplainInput,
        parameters=[VERSION_PARAMETER],
        responses={200: ExplainOutput, **error_responses(400, 404, 503)},
    )
    def post(self, request: Request, code: str) -> Response:
        _, source = _model_source(request, code)
        serializer = ExplainInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        configurator = configurator_get(
            checksum=source.checksum,
            load_document=source.load_document,
            compile_elsewhere=source.compile_elsewhere,
        )
        selections = configurator.parse_selections(data["selections"])
        explanation = value_explanation(
            configurator, selections, option_set=data["option_set"], value=data["value"]
        )
        answer = Presenter(configurator.compiled.model).explain(
            option_set=data["option_set"], value=data["value"], explanation=explanation
        )
        return Response(ExplainOutput(answer).data)
