"""Catalogue endpoints: read for everyone, import/export/publish for staff."""

from __future__ import annotations

from typing import Any

from django.http.response import HttpResponseBase
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, parsers, permissions, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from configurator.plumbing.authentication import authenticated_user
from configurator.plumbing.filters import query_flag
from configurator.plumbing.openapi import error_responses
from configurator.plumbing.parsers import JSONParser, body_too_large, check_structure, declared_length
from configurator.plumbing.rendering import BoundListMixin
from configurator.plumbing.responses import rendered_json

from .choices import Currency
from .documents import ProductDocument, StrictSerializer
from .filters import ProductFilter
from .models import ProductVersion
from .selectors import (
    product_document,
    product_get,
    product_list,
    product_version_get,
    published_version_get,
    storefront_page,
)
from .serializers import ImportResultOutput, ProductDetailOutput, ProductListOutput, VersionOutput
from .services import product_import, product_publish

_MODEL_FORMATS = ("uvl", "xcsp", "featureide", "dimacs", "sxfm")
#: The importers' file limit (``products.importers.base.MAX_FILE_BYTES``), without importing them
#: (UVL support is optional) until an import needs them.
IMPORT_MAX_BYTES = 64 * 1024 * 1024
#: What a multipart body may carry besides the file: the form fields and the part headers.
_MULTIPART_OVERHEAD = 1024 * 1024


class ImportJSONParser(JSONParser):
    """A product document or model file as JSON, plain or gzip, up to the import limit."""

    max_bytes = IMPORT_MAX_BYTES
    accept_gzip = True
    too_large_hint = " Larger models cannot be imported (docs/importers.md, limits)."


class ImportMultiPartParser(parsers.MultiPartParser):
    """A model file or product document as a multipart upload (field ``file``), up to the import
    limit; a larger body is refused with a 413 before it is read."""

    def parse(self, stream, media_type=None, parser_context=None):
        length = declared_length(parser_context)
        if length is not None and length > IMPORT_MAX_BYTES + _MULTIPART_OVERHEAD:
            raise body_too_large(limit=IMPORT_MAX_BYTES)
        return super().parse(stream, media_type, parser_context)


_STAFF_ONLY_OPTION_FIELDS = ("cost_delta", "labour_minutes")
VERSION_PARAMETER = OpenApiParameter(
    "version",
    str,
    description="Staff: a version number or `draft`; `current` or left out: the published version.",
    pattern=r"^(\d+|draft|current)$",
)


def is_staff(request: Request) -> bool:
    return bool(request.user and request.user.is_staff)


#: Option set settings by kind; the others are null in the storefront's view.
_KIND_SETTINGS: dict[str, frozenset[str]] = {
    "single": frozenset({"required", "options"}),
    "multi": frozenset({"min_count", "max_count", "options"}),
    "number": frozenset(
        {"minimum", "maximum", "step", "unit", "price_delta", "level", *_STAFF_ONLY_OPTION_FIELDS}
    ),
    "text": frozenset(
        {"required", "max_length", "pattern", "price_delta", "level", *_STAFF_ONLY_OPTION_FIELDS}
    ),
    "boolean": frozenset({"price_delta", "level", *_STAFF_ONLY_OPTION_FIELDS}),
}
_OPTION_SET_SETTINGS = sorted(set().union(*_KIND_SETTINGS.values()))


def storefront_view(document: dict[str, Any], *, version: int | None, staff: bool) -> dict[str, Any]:
    """What the storefront needs of a document: no rules or tables, and costs for staff only."""

    def visible(name: str) -> bool:
        return staff or name not in _STAFF_ONLY_OPTION_FIELDS

    baseline = dict(document["baseline"])
    if not staff:
        baseline.pop("unit_cost")
    option_sets = []
    for option_set in document["option_sets"]:
        applies = _KIND_SETTINGS[option_set["kind"]]
        data = {
            "code": option_set["code"],
            "name": option_set["name"],
            "kind": option_set["kind"],
            "help_text": option_set["help_text"],
            "default": option_set.get("default"),
        }
        for name in _OPTION_SET_SETTINGS:
            if name in _STAFF_ONLY_OPTION_FIELDS:
                if staff and name in applies:
                    data[name] = option_set[name]
            else:
                data[name] = option_set.get(name) if name in applies else None
        if data.get("options") is not None:
            data["options"] = [
                {key: value for key, value in option.items() if visible(key)} for option in data["options"]
            ]
        option_sets.append(data)
    return {
        "code": document["code"],
        "name": document["name"],
        "description": document["description"],
        "currency": document["currency"],
        "version": version,
        "baseline": baseline,
        "option_sets": option_sets,
    }


class ProductListApi(BoundListMixin, generics.ListAPIView):
    """Active, published products; staff see every product and its draft values."""

    permission_classes = [permissions.AllowAny]
    serializer_class = ProductListOutput
    filterset_class = ProductFilter
    search_fields = ["code", "listed_name"]
    ordering_fields = ["code", "name", "created_at"]
    ordering_aliases = {"name": "listed_name"}

    def get_queryset(self):
        return product_list(staff=is_staff(self.request))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "staff": is_staff(self.request)}

    @extend_schema(
        operation_id="products_list", responses={200: ProductListOutput(many=True), **error_responses(400)}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ProductDetailApi(APIView):
    """A product as the storefront shows it: baseline, option sets, values and defaults."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="products_retrieve",
        parameters=[VERSION_PARAMETER],
        responses={200: ProductDetailOutput, **error_responses(404)},
    )
    def get(self, request: Request, code: str) -> HttpResponseBase:
        staff = is_staff(request)
        asked = request.query_params.get("version")
        if not staff and asked in (None, "current"):
            published = published_version_get(code=code)
            if published is not None:
                return rendered_json(request, storefront_page(published=published, render=_customer_page))
        product = product_get(code=code, staff=staff)
        version = product_version_get(product=product, version=asked, staff=staff)
        document = product_document(product=product, version=version)
        number = version.number if version is not None else None
        return Response(ProductDetailOutput(storefront_view(document, version=number, staff=staff)).data)


def _customer_page(version: ProductVersion) -> bytes:
    view = storefront_view(version.document, version=version.number, staff=False)
    return JSONRenderer().render(ProductDetailOutput(view).data)


class ProductImportApi(APIView):
    """Create a product, or replace a product's draft, from a product document or from a
    third-party model file (all or nothing; see docs/importers.md).

    A body whose ``format`` is ``uvl``, ``xcsp``, ``featureide``, ``dimacs`` or ``sxfm`` carries the
    model file's text in ``content``; any other body is a product document (its ``format`` is
    ``atelier-product/1``). The model format is a body field, not a ``?format=`` parameter, which
    DRF reserves for choosing the response's renderer."""

    permission_classes = [permissions.IsAdminUser]
    parser_classes = [ImportJSONParser, ImportMultiPartParser]

    class ModelFileInput(StrictSerializer):
        format = serializers.ChoiceField(choices=_MODEL_FORMATS)
        content = serializers.CharField(trim_whitespace=False, help_text="The model file's text.")
        filename = serializers.CharField(max_length=200, required=False, help_text="Named in errors.")
        code = serializers.SlugField(max_length=64, required=False, help_text="Default: from the file name.")
        name = serializers.CharField(max_length=200, required=False)
        currency = serializers.ChoiceField(choices=Currency.choices, required=False)
        price = serializers.DecimalField(
            max_digits=12,
            decimal_places=2,
            min_value=0,
            required=False,
            help_text="The baseline price; default: the model's, else 0.",
        )
        lead_time_days = serializers.IntegerField(min_value=0, max_value=3650, default=0)
        groups = serializers.BooleanField(default=True, help_text="DIMACS: recover alternative groups.")

    class ModelUploadInput(StrictSerializer):
        file = serializers.FileField(
            allow_empty_file=False,
            help_text="A product document (.json) or a model file (.uvl, .xml, .dimacs, .cnf, .sxfm), "
            f"up to {IMPORT_MAX_BYTES // (1024 * 1024)} MB.",
        )
        format = serializers.ChoiceField(
            choices=("json", *_MODEL_FORMATS), required=False, help_text="Default: from the file name."
        )
        code = serializers.SlugField(max_length=64, required=False, help_text="Default: the model's.")
        name = serializers.CharField(max_length=200, required=False)
        currency = serializers.ChoiceField(choices=Currency.choices, required=False)
        price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
        lead_time_days = serializers.IntegerField(min_value=0, max_value=3650, default=0)
        groups = serializers.BooleanField(default=True, help_text="DIMACS: recover alternative groups.")

    @extend_schema(
        operation_id="products_import",
        request={
            "application/json": PolymorphicProxySerializer(
                component_name="ProductImport",
                serializers=[ProductDocument, ModelFileInput],
                resource_type_field_name=None,
            ),
            "multipart/form-data": ModelUploadInput,
        },
        parameters=[OpenApiParameter("publish", bool, description="Publish the imported draft at once.")],
        responses={201: ImportResultOutput, **error_responses(400, 401, 403, 413)},
        description="A JSON body (also with `Content-Encoding: gzip`) or a multipart upload (field "
        f"`file`), up to {IMPORT_MAX_BYTES // (1024 * 1024)} MB either way; larger is a 413.",
    )
    def post(self, request: Request) -> Response:
        publish = query_flag(request, "publish")
        if request.content_type.startswith("multipart/"):
            document = self.read_upload(request.data)
        else:
            document = request.data
            if isinstance(document, dict) and document.get("format") in _MODEL_FORMATS:
                document = self.read_model_file(document)
        product = product_import(document=document, actor=authenticated_user(request), publish=publish)
        published = product.versions.order_by("-number").first() if publish else None
        result = {
            "code": product.code,
            "name": product.name,
            "option_sets": product.option_sets.count(),
            "rules": product.rules.count(),
            "tables": product.tables.count(),
            "version": product.current_version.number if product.current_version else None,
            "published": published,
        }
        return Response(ImportResultOutput(result).data, status=status.HTTP_201_CREATED)

    def read_upload(self, data: Any) -> dict[str, Any]:
        from .importers import ProductInfo, load_model

        serializer = self.ModelUploadInput(data=data)
        serializer.is_valid(raise_exception=True)
        given = serializer.validated_data
        upload = given["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise body_too_large(limit=IMPORT_MAX_BYTES)
        info = ProductInfo(
            code=given.get("code"),
            name=given.get("name"),
            currency=given.get("currency"),
            price=given.get("price"),
            lead_time_days=given["lead_time_days"],
        )
        content = upload.read()
        document = load_model(
            content,
            format=given.get("format"),
            filename=upload.name or "upload",
            info=info,
            find_names=False,
            groups=given["groups"],
        ).document
        # A product document is the client's JSON, read by the importer: the same checks as a body.
        check_structure(document, surrogates=True)
        return document

    def read_model_file(self, data: dict[str, Any]) -> dict[str, Any]:
        from .importers import ProductInfo, load_model

        serializer = self.ModelFileInput(data=data)
        serializer.is_valid(raise_exception=True)
        given = serializer.validated_data
        model_format = given["format"]
        info = ProductInfo(
            code=given.get("code"),
            name=given.get("name"),
            currency=given.get("currency"),
            price=given.get("price"),
            lead_time_days=given["lead_time_days"],
        )
        filename = (
            given.get("filename")
            or f"model.{'xml' if model_format in ('xcsp', 'featureide') else model_format}"
        )
        return load_model(
            given["content"],
            format=model_format,
            filename=filename,
            info=info,
            find_names=False,
            groups=given["groups"],
        ).document


class ProductExportApi(APIView):
    """The product document of the draft or of a version."""

    permission_classes = [permissions.IsAdminUser]

    @extend_schema(
        operation_id="products_export",
        parameters=[
            OpenApiParameter(
                "version",
                str,
                description="A version number, `draft` or `current` (the published one); default: the draft.",
                pattern=r"^(\d+|draft|current)$",
            )
        ],
        responses={
            200: {
                "type": "object",
                "description": "A product document in its canonical form (format `atelier-product/1`, "
                "docs/product-format.md): the file that import reads back unchanged.",
            },
            **error_responses(401, 403, 404),
        },
    )
    def get(self, request: Request, code: str) -> Response:
        product = product_get(code=code, staff=True)
        requested = request.query_params.get("version", "draft")
        version = product_version_get(product=product, version=requested, staff=True)
        return Response(product_document(product=product, version=version))


class ProductPublishApi(APIView):
    """Freeze the draft into a new published version (a no-op when nothing changed)."""

    permission_classes = [permissions.IsAdminUser]

    @extend_schema(
        operation_id="products_publish",
        request=None,
        responses={201: VersionOutput, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request, code: str) -> Response:
        product = product_get(code=code, staff=True)
        version = product_publish(product=product, actor=authenticated_user(request))
        return Response(VersionOutput(version).data, status=status.HTTP_201_CREATED)


class ProductVersionListApi(BoundListMixin, generics.ListAPIView):
    """Published versions of a product, newest first."""

    permission_classes = [permissions.IsAdminUser]
    serializer_class = VersionOutput
    filter_backends: list = []

    def get_queryset(self):
        product = product_get(code=self.kwargs["code"], staff=True)
        return product.versions.select_related("published_by").defer("document").order_by("-number")

    @extend_schema(
        operation_id="products_versions_list",
        responses={200: VersionOutput(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
