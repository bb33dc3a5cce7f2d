"""The configure endpoint: exact guidance, validation, explanations and repairs for a selection."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from configurator.plumbing.openapi import error_responses
from products.models import Product
from products.runtime import configurator_get, runtime_get
from products.selectors import ModelSource, product_get, product_model_source

from .presenters import Presenter, price_payload, production_payload
from .services import value_explanation


def _is_staff(request: Request) -> bool:
    return bool(request.user and request.user.is_staff)


VERSION_PARAMETER = OpenApiParameter(
    "version", str, description="Staff: a version number or `draft`; default: the published version."
)


def _model_source(request: Request, code: str) -> tuple[Product, ModelSource, bool]:
    """The product, the version of it this request is about, and whether the caller is staff."""
    staff = _is_staff(request)
    product = product_get(code=code, staff=staff)
    source = product_model_source(product=product, version=request.query_params.get("version"), staff=staff)
    return product, source, staff


class ReasonOutput(serializers.Serializer):
    type = serializers.ChoiceField(choices=["choice", "rule", "table", "count"])
    message = serializers.CharField()
    option_set = serializers.CharField(required=False, help_text="type choice: the option set chosen")
    value = serializers.JSONField(required=False, help_text="type choice: the value chosen")
    code = serializers.CharField(required=False, help_text="rule, table or count: its code")
    option_sets = serializers.ListField(child=serializers.CharField(), required=False)


class ValueOutput(serializers.Serializer):
    code = serializers.JSONField(help_text="An option code, or true/false for a yes/no set.")
    selectable = serializers.BooleanField(help_text="Choosing it now still leads to a valid configuration.")
    selected = serializers.BooleanField()
    implied = serializers.BooleanField(help_text="The choices made so far force it.")
    reasons = ReasonOutput(
        many=True,
        help_text="Why it is blocked: a minimal set of choices and constraints. Empty on a blocked value "
        "only when `explained` is false; POST .../explain gives its reasons.",
    )


class OptionSetGuidanceOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    decided = serializers.BooleanField()
    selection = serializers.JSONField(allow_null=True)
    implied = serializers.JSONField(allow_null=True)
    values = ValueOutput(many=True, required=False)
    none_selectable = serializers.BooleanField(required=False, allow_null=True)
    min = serializers.FloatField(required=False, allow_null=True, help_text="Number sets: smallest feasible.")
    max = serializers.FloatField(required=False, allow_null=True, help_text="Number sets: largest feasible.")
    switch_min = serializers.FloatField(
        required=False, help_text="A chosen number: the smallest it may change to, other choices kept."
    )
    switch_max = serializers.FloatField(
        required=False, help_text="A chosen number: the largest it may change to, other choices kept."
    )
    min_length = serializers.IntegerField(required=False, allow_null=True)
    max_length = serializers.IntegerField(required=False, allow_null=True)


class ConstraintOutput(serializers.Serializer):
    type = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()
    option_sets = serializers.ListField(child=serializers.CharField())


class ChangeOutput(serializers.Serializer):
    option_set = serializers.CharField()
    to = serializers.JSONField(allow_null=True)
    message = serializers.CharField()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.JSONField(allow_null=True)
        return fields


class ConfigureOutput(serializers.Serializer):
    product = serializers.CharField()
    version = serializers.IntegerField(allow_null=True, help_text="null: the draft (staff)")
    quantity = serializers.IntegerField()
    valid = serializers.BooleanField(help_text="Complete, and every rule and table holds.")
    complete = serializers.BooleanField(help_text="Every option set that needs a decision has one.")
    consistent = serializers.BooleanField(help_text="Some valid configuration extends the choices.")
    missing = serializers.ListField(child=serializers.CharField())
    option_sets = OptionSetGuidanceOutput(many=True)
    errors = ConstraintOutput(many=True)
    conflict = inline_serializer(
        "ConflictOutput",
        {
            "reasons": ReasonOutput(many=True),
            "repairs": serializers.ListField(
                child=inline_serializer("RepairOutput", {"changes": ChangeOutput(many=True)})
            ),
        },
        allow_null=True,
    )
    completion = inline_serializer(
        "CompletionOutput",
        {
            "selections": serializers.DictField(child=serializers.JSONField(allow_null=True)),
            "defaults_used": serializers.ListField(child=serializers.CharField()),
            "missing": serializers.ListField(child=serializers.CharField()),
        },
        required=False,
        allow_null=True,
    )
    solver_calls = serializers.IntegerField()
    explained = serializers.BooleanField(
        help_text="Every blocked value carries its reasons; false when `explain` was off or the "
        "explanation time budget ran out on a large model."
    )


class ConfigureInput(serializers.Serializer):
    selections = serializers.DictField(child=serializers.JSONField(allow_null=True), default=dict)
    quantity = serializers.IntegerField(min_value=1, default=1)
    explain = serializers.BooleanField(
        default=True,
        help_text="Give reasons for blocked values (within the server's time budget; see `explained`).",
    )
    complete = serializers.BooleanField(
        default=False, help_text="Also propose a full valid configuration (defaults, else the cheapest)."
    )

    def validate_quantity(self, value: int) -> int:
        if value > settings.ATELIER_MAX_QUANTITY:
            raise serializers.ValidationError(f"At most {settings.ATELIER_MAX_QUANTITY} units.")
        return value


class ConfigureApi(APIView):
    """Validate and guide a (partial) configuration of the published version.

    `selections` maps option set codes to values, in the order the customer chose them (repairs keep
    the most recent choices): single → a code or null (none), multi → a list of codes, number →
    a number, text → a string, yes/no → true/false. Option sets left out are still open."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=ConfigureInput,
        parameters=[VERSION_PARAMETER],
        responses={200: ConfigureOutput, **error_responses(400, 404)},
        examples=[
            OpenApiExample(
                "A carbon city bike",
                value={"selections": {"frame": "carbon", "accessories": ["lights"]}, "quantity": 1},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, code: str) -> Response:
        product, source, staff = _model_source(request, code)
        serializer = ConfigureInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        configurator = configurator_get(checksum=source.checksum, load_document=source.load_document)
        pricer = runtime_get(checksum=source.checksum, load_document=source.load_document).pricer
        selections = configurator.parse_selections(data["selections"])
        budget = settings.ATELIER_EXPLAIN_BUDGET_MS / 1000 or None
        guidance = configurator.guide(selections, explain=data["explain"], explain_budget=budget)
        model = configurator.compiled.model
        presenter = Presenter(model)
        config = pricer.effective(selections)
        breakdown, decision = pricer.price(config, data["quantity"])
        lead_time = pricer.lead_time(decision, data["quantity"])
        final = guidance.validation.valid
        body: dict[str, Any] = {
            "product": product.code,
            "version": source.version,
            "quantity": data["quantity"],
            **presenter.guidance(guidance),
            "price": price_payload(breakdown, final=final, staff=staff),
            "production": production_payload(model, decision, lead_time, timezone.localdate()),
        }
        if data["complete"] and guidance.validation.consistent:
            body["completion"] = presenter.completion(configurator.complete(selections))
        return Response(body)


class ExplainInput(serializers.Serializer):
    selections = serializers.DictField(child=serializers.JSONField(allow_null=True), default=dict)
    option_set = serializers.CharField(help_text="The option set of the value to explain.")
    value = serializers.JSONField(help_text="An option code, a number, or true/false.")

    def validate_value(self, value: Any) -> Any:
        if isinstance(value, (list, dict)):
            raise serializers.ValidationError(
                "Give one value: an option code, a number, true/false, or null for none (for a "
                "multiple choice, one of its option codes).",
                code="invalid_value",
            )
        return value


class ExplainOutput(serializers.Serializer):
    option_set = serializers.CharField()
    value = serializers.JSONField()
    selectable = serializers.BooleanField()
    reasons = ReasonOutput(many=True, help_text="Why it is blocked; empty when it is selectable.")


class ExplainApi(APIView):
    """Why one value cannot be chosen with these selections: a minimal set of the customer's own
    choices and the rules or tables that block it. For a value the configure response left without
    reasons (`explained: false`), or to explain a number or a value on demand."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=ExplainInput,
        parameters=[VERSION_PARAMETER],
        responses={200: ExplainOutput, **error_responses(400, 404)},
    )
    def post(self, request: Request, code: str) -> Response:
        _, source, _ = _model_source(request, code)
        serializer = ExplainInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        configurator = configurator_get(checksum=source.checksum, load_document=source.load_document)
        selections = configurator.parse_selections(data["selections"])
        explanation = value_explanation(
            configurator, selections, option_set=data["option_set"], value=data["value"]
        )
        presenter = Presenter(configurator.compiled.model)
        return Response(
            {
                "option_set": data["option_set"],
                "value": data["value"],
                "selectable": explanation is None,
                "reasons": [] if explanation is None else presenter.explanation(explanation),
            }
        )
