"""The report API: the same figures as the pages, scoped the same way."""

from django.urls import include, path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import GradeChange

from . import forms, selectors
from .serializers import (
    GradeChangeRowSerializer,
    GradeReportSerializer,
    MorningSerializer,
    SalesReportSerializer,
)


def _month_param(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, pattern=r"^\d{4}-\d{2}$",
                            description=description)


class SalesReportView(APIView):
    """Cartons, yuan, yuan per carton and stores per group over a month range, from the
    monthly sales summary. At most 36 months; defaults to the last 12."""

    @extend_schema(
        operation_id="reports_sales",
        parameters=[
            OpenApiParameter("group_by", OpenApiTypes.STR, enum=list(forms.SALES_GROUPS),
                             description="Grouping of the rows (default month)."),
            _month_param("from", "First month, YYYY-MM (default: 11 months before `to`)."),
            _month_param("to", "Last month, YYYY-MM (default: this month)."),
            OpenApiParameter("territory", OpenApiTypes.INT, description="Territory id."),
            OpenApiParameter("manager", OpenApiTypes.INT, description="Manager (user) id."),
            OpenApiParameter("department", OpenApiTypes.INT, description="Department id."),
            OpenApiParameter("brand", OpenApiTypes.STR, description="Brand name."),
        ],
        responses=SalesReportSerializer)
    def get(self, request):
        query = forms.sales_query(request.query_params, today=timezone.localdate())
        body = {"group_by": query.group_by, "from": f"{query.first:%Y-%m}",
                "to": f"{query.last:%Y-%m}",
                "rows": selectors.sales_rows(user=request.user, query=query),
                "total": selectors.sales_total(user=request.user, query=query)}
        return Response(SalesReportSerializer(body).data)


class GradeReportView(APIView):
    """Stores per grade of a graded month (default: the latest), by territory, manager or
    business format, with their purchases in that month."""

    @extend_schema(
        operation_id="reports_grades",
        parameters=[
            _month_param("month", "Graded month, YYYY-MM (default: the latest)."),
            OpenApiParameter("group_by", OpenApiTypes.STR, enum=list(forms.GRADE_GROUPS),
                             description="Grouping of the rows (default territory)."),
        ],
        responses=GradeReportSerializer)
    def get(self, request):
        query = forms.grade_query(request.query_params)
        report = selectors.grade_counts(user=request.user, group_by=query.group_by,
                                        month=query.month)
        return Response(GradeReportSerializer({**report, "group_by": query.group_by}).data)


class GradeChangeListView(generics.ListAPIView):
    """Upgrades and downgrades of a graded month (default: the latest), one row each."""

    serializer_class = GradeChangeRowSerializer
    queryset = GradeChange.objects.none()  # replaced per request, scoped

    @extend_schema(operation_id="reports_grade_changes",
                   parameters=[_month_param("month", "Graded month, YYYY-MM.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        month = forms.parse_month(self.request.query_params.get("month"), name="month")
        return selectors.grade_changes(user=self.request.user, month=month)

    def filter_queryset(self, queryset):
        return queryset  # the month is the only filter


class MorningView(APIView):
    """The figures of the morning view, for the user's scope."""

    @extend_schema(operation_id="reports_morning", responses=MorningSerializer)
    def get(self, request):
        figures = selectors.morning_figures(user=request.user, today=timezone.localdate())
        # The plain representation: `.data` ties the rows to the serializer in a reference
        # cycle, so a province's 2,000 manager rows per call waited for the full garbage
        # collection (the calls' slowest 5 % doubled).
        return Response(MorningSerializer().to_representation(figures))


urlpatterns = [
    path("reports/sales/", SalesReportView.as_view(), name="api-reports-sales"),
    path("reports/grades/", GradeReportView.as_view(), name="api-reports-grades"),
    path("reports/grade-changes/", GradeChangeListView.as_view(),
         name="api-reports-grade-changes"),
    path("reports/morning/", MorningView.as_view(), name="api-reports-morning"),
    path("", include("reports.evaluation.apis")),
]
