"""API of the targets and the monthly evaluation, scoped like the pages."""

from django.db import transaction
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import access
from customers.access import Ability

from ..forms import parse_month
from ..models import TargetIndicator
from ..services import month_start
from . import targets


class TargetSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=targets.LEVELS)
    department = serializers.IntegerField(source="department_id")
    territory = serializers.IntegerField(source="territory_id", allow_null=True)
    manager = serializers.IntegerField(source="manager_id", allow_null=True)
    indicator = serializers.ChoiceField(choices=TargetIndicator.choices)
    value = serializers.DecimalField(max_digits=14, decimal_places=2)
    updated_by = serializers.CharField(source="updated_by.username", default=None)
    updated_at = serializers.DateTimeField()


_MONTH = OpenApiParameter("month", OpenApiTypes.STR, pattern=r"^\d{4}-\d{2}$",
                          description="Month, YYYY-MM (default: this month).")
_TARGETS = inline_serializer("TargetList", {
    "month": serializers.CharField(), "targets": TargetSerializer(many=True)})


class TargetView(APIView):
    """Monthly targets in the user's scope: a manager their own, a supervisor their
    department's, an admin all. PUT (supervisor, admin) writes a list of targets, all or
    none; a `value` of null removes that target."""

    def _month(self, request):
        return parse_month(request.query_params.get("month"), name="month",
                           default=month_start(timezone.localdate()))

    def _body(self, request, month):
        rows = targets.target_list(user=request.user, month=month)
        return {"month": f"{month:%Y-%m}", "targets": TargetSerializer(rows, many=True).data}

    @extend_schema(operation_id="targets_list", parameters=[_MONTH], responses=_TARGETS)
    def get(self, request):
        return Response(self._body(request, self._month(request)))

    @extend_schema(
        operation_id="targets_update", parameters=[_MONTH],
        request=inline_serializer("TargetUpdate", {"targets": inline_serializer(
            "TargetUpdateRow", {
                "level": serializers.ChoiceField(choices=targets.LEVELS),
                "department": serializers.IntegerField(required=False),
                "territory": serializers.IntegerField(required=False),
                "manager": serializers.IntegerField(required=False),
                "indicator": serializers.ChoiceField(choices=TargetIndicator.choices),
                "value": serializers.DecimalField(max_digits=14, decimal_places=2,
                                                  allow_null=True)}, many=True)}),
        responses=_TARGETS)
    def put(self, request):
        access.require(request.user, Ability.EDIT_TARGETS)
        month = self._month(request)
        with transaction.atomic():
            rows = targets.api_rows(user=request.user, items=request.data.get("targets"))
            targets.targets_save(user=request.user, month=month, rows=rows)
        return Response(self._body(request, month))


urlpatterns = [
    path("targets/", TargetView.as_view(), name="api-targets"),
]
