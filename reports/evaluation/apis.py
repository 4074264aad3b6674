"""API of the targets and the monthly evaluation, scoped like the pages."""

from django.db import transaction
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from crm_project.errors import BusinessError
from customers import access
from customers.access import Ability

from ..forms import parse_month
from ..models import EvaluatedRole, TargetIndicator
from ..services import month_start
from . import scorecard, targets


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


class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    value = serializers.DecimalField(max_digits=16, decimal_places=4, allow_null=True)
    target = serializers.DecimalField(max_digits=16, decimal_places=4, allow_null=True)
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    points = serializers.DecimalField(max_digits=6, decimal_places=2)


class EvaluationSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    rank = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=6, decimal_places=2)
    provisional = serializers.BooleanField()
    indicators = IndicatorSerializer(source="lines", many=True)


class EvaluationListView(APIView):
    """The month's scorecards, one row per person the user may read (themselves; a
    supervisor their department; an admin everyone), ranked; the points add up to the
    total. A closed month gives its frozen scores, the open month a provisional one."""

    @extend_schema(
        operation_id="evaluations_list",
        parameters=[_MONTH, OpenApiParameter("role", OpenApiTypes.STR,
                                             enum=list(EvaluatedRole.values),
                                             description="manager (default) or clerk.")],
        responses=EvaluationSerializer(many=True))
    def get(self, request):
        month = parse_month(request.query_params.get("month"), name="month",
                            default=month_start(timezone.localdate()))
        role = request.query_params.get("role") or EvaluatedRole.MANAGER
        if role not in EvaluatedRole.values:
            raise BusinessError(_("Unknown role “%(value)s”.") % {"value": role},
                                field="role")
        report = scorecard.scorecards(user=request.user, month=month, role=role)
        cards = [{**card, "provisional": report["provisional"]} for card in report["cards"]]
        return Response(EvaluationSerializer(cards, many=True).data)


urlpatterns = [
    path("targets/", TargetView.as_view(), name="api-targets"),
    path("evaluations/", EvaluationListView.as_view(), name="api-evaluations"),
]
