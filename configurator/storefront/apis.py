"""Saved configurations of the logged-in customer: list, save under a name, delete."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from configurator.configure.serializers import SelectionsField
from configurator.plumbing.authentication import authenticated_user
from configurator.plumbing.fields import QuantityField, TypedInput
from configurator.plumbing.openapi import error_responses
from configurator.plumbing.rendering import BoundListMixin
from products.models import Product

from .links import configuration_query
from .models import SavedConfiguration
from .selectors import saved_configuration_list
from .services import saved_configuration_delete, saved_configuration_save


class SavedConfigurationOutput(serializers.ModelSerializer):
    product: serializers.SlugRelatedField[Product] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    version = serializers.IntegerField(read_only=True, help_text="The version it was saved for.")
    selections = SelectionsField(read_only=True)
    link = serializers.SerializerMethodField(help_text="The configurator page with these choices.")

    class Meta:
        model = SavedConfiguration
        fields = [
            "id",
            "name",
            "product",
            "version",
            "selections",
            "quantity",
            "link",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_link(self, saved: SavedConfiguration) -> str:
        query = configuration_query(
            selections=saved.selections, version=saved.version, quantity=saved.quantity
        )
        return f"{reverse('product-page', args=[saved.product.code])}?{query}"


class SavedConfigurationInput(TypedInput):
    product = serializers.SlugField(help_text="The product code.")
    name = serializers.CharField(max_length=100)
    selections = SelectionsField(help_text="The choices so far; they may be incomplete.")
    quantity = QuantityField()


class SavedConfigurationListCreateApi(BoundListMixin, generics.ListAPIView):
    """Your saved configurations, most recently saved first. POST saves one under a name for the
    product's current version (the same name again replaces it: 200 instead of 201)."""

    serializer_class = SavedConfigurationOutput
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[SavedConfiguration]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return SavedConfiguration.objects.none()
        return saved_configuration_list(actor=authenticated_user(self.request))

    @extend_schema(
        operation_id="saved_configurations_list",
        responses={200: SavedConfigurationOutput(many=True), **error_responses(400, 401)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="saved_configurations_save",
        request=SavedConfigurationInput,
        responses={
            200: SavedConfigurationOutput,
            201: SavedConfigurationOutput,
            **error_responses(400, 401, 403, 404),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = SavedConfigurationInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        saved, created = saved_configuration_save(
            actor=authenticated_user(request),
            product_code=data["product"],
            name=data["name"],
            selections=data["selections"],
            quantity=data["quantity"],
        )
        return Response(
            SavedConfigurationOutput(saved).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class SavedConfigurationDetailApi(APIView):
    @extend_schema(
        operation_id="saved_configurations_delete",
        request=None,
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request: Request, saved_id: int) -> Response:
        saved_configuration_delete(actor=authenticated_user(request), saved_id=saved_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
