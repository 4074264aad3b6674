"""API of grade snapshots, grade changes, churn warnings, visit cadence, grading settings
and job runs. Reads are scoped through customers_visible_to; writes call one service."""

import django_filters
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from . import churn, grading
from .cadence import VISIT_CADENCE
from .grading_serializers import (
    CadenceSerializer,
    ChurnWarningSerializer,
    GradeChangeSerializer,
    GradeSnapshotSerializer,
    GradingSettingsSerializer,
    JobRunSerializer,
    JobStartSerializer,
    WarningResolutionSerializer,
)
from .models import (
    ChurnReason,
    ChurnWarning,
    Grade,
    GradeChange,
    GradeSnapshot,
    JobRun,
    WarningStatus,
)


class GradeSnapshotFilter(django_filters.FilterSet):
    grade = django_filters.MultipleChoiceFilter(choices=Grade.choices)

    class Meta:
        model = GradeSnapshot
        fields = ["customer", "month", "grade", "tier"]


class GradeSnapshotViewSet(viewsets.ReadOnlyModelViewSet):
    """A store's grade per month, with the numbers that explain it."""

    serializer_class = GradeSnapshotSerializer
    filterset_class = GradeSnapshotFilter
    ordering_fields = ["month", "rank", "monthly_average"]
    ordering = ["-month", "rank"]
    queryset = GradeSnapshot.objects.none()

    def get_queryset(self):
        return grading.grade_snapshots_visible_to(self.request.user)


class GradeChangeFilter(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(choices=[("up", "up"), ("down", "down")],
                                            method="filter_direction")
    as_of_after = django_filters.DateFilter(field_name="as_of", lookup_expr="gte")

    class Meta:
        model = GradeChange
        fields = ["customer", "month", "old_grade", "new_grade"]

    def filter_direction(self, queryset, name, value):
        from django.db.models import F

        if value == "down":
            return queryset.filter(new_grade__gt=F("old_grade"))
        return queryset.filter(new_grade__lt=F("old_grade"))


class GradeChangeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = GradeChangeSerializer
    filterset_class = GradeChangeFilter
    ordering = ["-as_of", "-id"]
    queryset = GradeChange.objects.none()

    def get_queryset(self):
        return grading.grade_changes_visible_to(self.request.user)


class ChurnWarningFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=WarningStatus.choices)
    reason = django_filters.MultipleChoiceFilter(choices=ChurnReason.choices)
    is_open = django_filters.BooleanFilter(method="filter_is_open")

    class Meta:
        model = ChurnWarning
        fields = ["customer", "owner", "status", "reason"]

    def filter_is_open(self, queryset, name, value):
        from .models import OPEN_WARNING_STATUSES

        if value:
            return queryset.filter(status__in=OPEN_WARNING_STATUSES)
        return queryset.exclude(status__in=OPEN_WARNING_STATUSES)


class ChurnWarningViewSet(viewsets.ReadOnlyModelViewSet):
    """Churn warnings of the stores the user sees; the owner works them with the actions."""

    serializer_class = ChurnWarningSerializer
    filterset_class = ChurnWarningFilter
    ordering_fields = ["score", "raised_at", "as_of"]
    ordering = ["-score", "-raised_at"]
    queryset = ChurnWarning.objects.none()

    def get_queryset(self):
        return churn.churn_warnings_visible_to(self.request.user)

    def _answer(self, warning):
        return Response(ChurnWarningSerializer(warning).data, status=status.HTTP_200_OK)

    @extend_schema(request=None, responses=ChurnWarningSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._answer(churn.churn_warning_acknowledge(user=request.user, warning_id=pk))

    @extend_schema(request=WarningResolutionSerializer, responses=ChurnWarningSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        body = WarningResolutionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(churn.churn_warning_close(
            user=request.user, warning_id=pk, status=WarningStatus.RESOLVED,
            resolution=body.validated_data["resolution"]))

    @extend_schema(request=WarningResolutionSerializer, responses=ChurnWarningSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        body = WarningResolutionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(churn.churn_warning_close(
            user=request.user, warning_id=pk, status=WarningStatus.DISMISSED,
            resolution=body.validated_data["resolution"]))


class VisitCadenceView(APIView):
    """How often and how long a store is visited, by grade (read-only, for the planner)."""

    @extend_schema(responses=CadenceSerializer(many=True))
    def get(self, request):
        rows = [{"grade": str(grade), "interval_days": cadence.interval_days,
                 "urban_minutes": cadence.urban_minutes, "rural_minutes": cadence.rural_minutes}
                for grade, cadence in VISIT_CADENCE.items()]
        return Response(CadenceSerializer(rows, many=True).data)


class GradingSettingsView(APIView):
    """Read by anyone signed in; changed by admins (every version is kept)."""

    @extend_schema(responses=GradingSettingsSerializer)
    def get(self, request):
        return Response(GradingSettingsSerializer(grading.grading_settings_get()).data)

    @extend_schema(request=GradingSettingsSerializer, responses=GradingSettingsSerializer)
    def patch(self, request):
        body = GradingSettingsSerializer(grading.grading_settings_get(), data=request.data,
                                         partial=True)
        body.is_valid(raise_exception=True)
        row = grading.grading_settings_update(user=request.user, data=body.validated_data,
                                              reason=request.data.get("reason", ""))
        return Response(GradingSettingsSerializer(row).data)


class JobRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    viewsets.GenericViewSet):
    """Runs of the overnight jobs (admins). POST starts one in the background."""

    serializer_class = JobRunSerializer
    filterset_fields = ["kind", "status"]
    ordering = ["-started_at", "-id"]
    queryset = JobRun.objects.none()

    def get_queryset(self):
        return grading.job_runs_visible_to(self.request.user)

    @extend_schema(request=JobStartSerializer, responses={202: None})
    def create(self, request):
        body = JobStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        grading.job_run_start(user=request.user, kind=body.validated_data["kind"],
                              as_of=body.validated_data["as_of"])
        return Response({"detail": "queued"}, status=status.HTTP_202_ACCEPTED)


router = SimpleRouter()
router.register("grade-snapshots", GradeSnapshotViewSet, basename="grade-snapshot")
router.register("grade-changes", GradeChangeViewSet, basename="grade-change")
router.register("churn-warnings", ChurnWarningViewSet, basename="churn-warning")
router.register("job-runs", JobRunViewSet, basename="job-run")

urlpatterns = [
    path("visit-cadence/", VisitCadenceView.as_view(), name="visit-cadence"),
    path("grading-settings/", GradingSettingsView.as_view(), name="grading-settings"),
    *router.urls,
]
