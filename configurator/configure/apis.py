"""The configure and explain endpoints: exact guidance, validation, explanations, repairs and a
price for a (partial) configuration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import permissions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from configurator.plumbing.openapi import error_responses
from configurator.plumbing.rendering import bound_serializer
from configurator.plumbing.responses import rendered_json
from manufacturing.footprint import FootprintComparison
from manufacturing.loading import factory_spec_current
from products.apis import VERSION_PARAMETER
from products.models import Product
from products.runtime import configurator_get
from products.selectors import (
    ModelSource,
    PublishedVersion,
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

    #: The published version the fast path read for this request, if it ran (see :meth:`dispatch`).
    published_read: tuple[PublishedVersion | None] | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """A customer's request answered before DRF wraps it, when this process remembers the answer:
        a remembered answer costs little but the framework around it, and a storefront's customers
        ask the same questions over and over. Only a request DRF would answer with that very body
        qualifies (:func:`_plain_customer_request`); any other, and every miss, takes DRF's path,
        which also renders every error in the error shape."""
        if _plain_customer_request(request):
            try:
                spec = factory_spec_current()
                published = published_version_get(code=kwargs["code"])
                remembered = (
                    None
                    if published is None
                    else configuration_answer_remembered(published=published, body=request.body, spec=spec)
                )
            except DatabaseError:
                pass  # DRF's path reads again and answers the error as its handler does
            else:
                if remembered is not None:
                    self.headers = self.default_response_headers
                    response = HttpResponse(remembered, content_type=JSONRenderer.media_type)
                    # DRF finalizes any HttpResponseBase and reads the request only for its own
                    # Response; the stubs take a Request and a Response only.
                    return self.finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]
                self.published_read = (published,)
        return super().dispatch(request, *args, **kwargs)

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
        # Parsed first: a body the parser refuses (its media type, encoding or size) is refused even
        # when the answer to those bytes is remembered.
        data = request.data
        staff = _is_staff(request)
        spec = factory_spec_current()
        found: tuple[Product, ModelSource] | None = None
        if not staff and "version" not in request.query_params:
            if self.published_read is not None:
                published = self.published_read[0]  # and its answer is not remembered
            else:
                published = published_version_get(code=code)
                if published is not None:
                    remembered = configuration_answer_remembered(
                        published=published, body=request.body, spec=spec
                    )
                    if remembered is not None:
                        return rendered_json(request, remembered)
            if published is not None:
                found = published_model_source(published)
        product, source = found or _model_source(request, code)

        def parse() -> dict[str, Any]:
            serializer = ConfigureInput(data=data)
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
        return rendered_json(request, body)


#: Accept headers DRF answers with the JSON renderer (absent: any).
_JSON_ACCEPTED = frozenset({"*/*", "application/json"})


def _plain_customer_request(request: HttpRequest) -> bool:
    """Whether DRF would answer ``request`` as a customer's plain JSON configure request, with the
    JSON renderer and the body parsed as it is: a POST without a query, credentials (a token, a
    session, or a user DRF's test client forces on it: any could make it staff's), content encoding
    or an Accept header other than JSON, whose JSON body is within the parser's limit."""
    meta = request.META
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return (
        request.method == "POST"
        and not meta.get("QUERY_STRING")
        and "HTTP_AUTHORIZATION" not in meta
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and getattr(request, "_force_auth_user", None) is None
        and getattr(request, "_force_auth_token", None) is None
        and meta.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() == "application/json"
        and meta.get("HTTP_CONTENT_ENCODING", "identity").lower() in ("", "identity")
        and meta.get("HTTP_ACCEPT", "*/*") in _JSON_ACCEPTED
        and 0 < length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )


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
        return Response(bound_serializer(ExplainOutput, context={}).to_representation(answer))
