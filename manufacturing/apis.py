"""The factory's staff API: the queue load of every work centre."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from configurator.plumbing.openapi import error_responses

from .load import factory_load
from .serializers import FactoryLoadOutput


class FactoryLoadApi(APIView):
    """Staff: work in progress and waiting work per work centre, batches forming with their fill
    and age, the oldest waiting order, utilisation over the last simulated hour, and the jobs that
    need attention."""

    permission_classes = [permissions.IsAdminUser]

    @extend_schema(
        operation_id="factory_load_retrieve",
        responses={200: FactoryLoadOutput, **error_responses(401, 403)},
    )
    def get(self, request: Request) -> Response:
        return Response(FactoryLoadOutput(factory_load(now=timezone.now())).data)
