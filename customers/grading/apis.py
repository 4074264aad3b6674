"""API of grade snapshots, grade changes, churn warnings, grading settings and job runs.
Reads come from the selectors (scoped through customers_visible_to); writes call one
service."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from customers.access import Ability, require
from customers.models import ChurnModel, ChurnWarning, GradeChange, GradeSnapshot, JobRun

from . import selectors, services
from .filters import ChurnWarningFilter, GradeChangeFilter, GradeSnapshotFilter
from .serializers import (
    ChurnModelSerializer,
    ChurnWarningSerializer,
    GradeChangeSerializer,
    GradeSnapshotSerializer,
    GradingSettingsSerializer,
    JobRunSerializer,
    JobStartSerializer,
    WarningResolutionSerializer,
)


class GradeSnapshotViewSet(viewsets.ReadOnlyModelViewSet):
    """A store's grade per month, with the numbers that explain it."""

    serializer_class = GradeSnapshotSerializer
    filterset_class = GradeSnapshotFilter
    ordering_fields = ["month", "rank", "monthly_average"]
    ordering = ["-month", "rank"]
    queryset = GradeSnapshot.objects.none()

    def get_queryset(self):
        return selectors.grade_snapshots_visible_to(self.request.user)


class GradeChangeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = GradeChangeSerializer
    filterset_class = GradeChangeFilter
    ordering = ["-as_of", "-id"]
    queryset = GradeChange.objects.none()

    def get_queryset(self):
        return selectors.grade_changes_visible_to(self.request.user)


class ChurnWarningViewSet(viewsets.ReadOnlyModelViewSet):
    """Churn warnings of the stores the user sees; the owner works them with the actions."""

    serializer_class = ChurnWarningSerializer
    filterset_class = ChurnWarningFilter
    ordering_fields = ["score", "raised_at", "as_of"]
    ordering = ["-score", "-raised_at"]
    queryset = ChurnWarning.objects.none()
    lookup_value_regex = r"\d+"  # "abc" is not found rather than a server error

    def get_queryset(self):
        return selectors.churn_warnings_visible_to(self.request.user)

    def _act(self, request, pk, action_name: str):
        body = WarningResolutionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        warning = services.churn_warning_act(user=request.user, warning_id=pk,
                                             action=action_name, **body.validated_data)
        return Response(ChurnWarningSerializer(warning).data, status=status.HTTP_200_OK)

    @extend_schema(request=None, responses=ChurnWarningSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._act(request, pk, "acknowledge")

    @extend_schema(request=WarningResolutionSerializer, responses=ChurnWarningSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._act(request, pk, "resolve")

    @extend_schema(request=WarningResolutionSerializer, responses=ChurnWarningSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        return self._act(request, pk, "dismiss")


class GradingSettingsView(APIView):
    """Read by anyone signed in; changed by admins (every version is kept)."""

    @extend_schema(responses=GradingSettingsSerializer)
    def get(self, request):
        return Response(GradingSettingsSerializer(selectors.grading_settings_get()).data)

    @extend_schema(request=GradingSettingsSerializer, responses=GradingSettingsSerializer)
    def patch(self, request):
        body = GradingSettingsSerializer(selectors.grading_settings_get(), data=request.data,
                                         partial=True)
        body.is_valid(raise_exception=True)
        row = services.grading_settings_update(user=request.user, data=body.validated_data,
                                               reason=request.data.get("reason", ""))
        return Response(GradingSettingsSerializer(row).data)


class JobRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    viewsets.GenericViewSet):
    """Runs of the overnight jobs (admins). POST starts one in the background."""

    serializer_class = JobRunSerializer
    filterset_fields = ["kind", "status"]
    ordering = ["-started_at", "-id"]
    queryset = JobRun.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.job_runs_visible_to(self.request.user)

    @extend_schema(request=JobStartSerializer, responses={202: None})
    def create(self, request):
        body = JobStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.job_run_start(user=request.user, **body.validated_data)
        return Response({"detail": "queued"}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: JobRunSerializer})
    @action(detail=True, methods=["post"])
    def restart(self, request, pk=None):
        """Queue an interrupted or failed run again (the same run record)."""
        run = services.job_run_restart(user=request.user, run=self.get_object())
        return Response(JobRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class ChurnModelViewSet(viewsets.ReadOnlyModelViewSet):
    """Each training of the churn model: in service or not, and its back-test (AUC,
    precision and recall at the warning threshold, calibration by decile) beside the
    baseline "days since last order". Admins only."""

    serializer_class = ChurnModelSerializer
    queryset = ChurnModel.objects.none()

    def get_queryset(self):
        require(self.request.user, Ability.RUN_JOBS)
        return selectors.churn_models_visible_to(self.request.user)


router = SimpleRouter()
router.register("grade-snapshots", GradeSnapshotViewSet, basename="grade-snapshot")
router.register("grade-changes", GradeChangeViewSet, basename="grade-change")
router.register("churn-warnings", ChurnWarningViewSet, basename="churn-warning")
router.register("job-runs", JobRunViewSet, basename="job-run")
router.register("churn-models", ChurnModelViewSet, basename="churn-model")

urlpatterns = [
    path("grading-settings/", GradingSettingsView.as_view(), name="grading-settings"),
    *router.urls,
]
