"""REST endpoints for plans and visits: the same services and selectors as the pages."""

from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .cadence import cadence_rows
from .filters import PlannedVisitFilter, VisitFilter
from .models import PlannedVisit, Visit
from .serializers import (
    CadenceSerializer,
    DraftSerializer,
    PlanGenerateSerializer,
    PlannedVisitSerializer,
    PlanReorderSerializer,
    PlanStatsQuerySerializer,
    PlanStopAddSerializer,
    SupervisorVisitDueSerializer,
    SupervisorVisitSerializer,
    VisitFinishSerializer,
    VisitSerializer,
    VisitStartSerializer,
)


def _unplaced_json(outcome) -> list[dict]:
    return [{"customer": item.customer.pk, "name": item.customer.name,
             "window_start": item.window_start, "window_end": item.window_end,
             "reason": item.message} for item in outcome.unplaced]


class PlannedVisitViewSet(viewsets.ReadOnlyModelViewSet):
    """The stops of plans the user may see; filter by manager and date."""

    serializer_class = PlannedVisitSerializer
    filterset_class = PlannedVisitFilter
    queryset = PlannedVisit.objects.none()

    def get_queryset(self):
        return (selectors.planned_visits_visible_to(self.request.user)
                .select_related("customer", "visit").order_by("date", "manager", "sequence"))

    @extend_schema(request=PlanGenerateSerializer, responses=None)
    @action(detail=False, methods=["post"])
    def generate(self, request):
        data = PlanGenerateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        outcome = services.plan_generate(manager=data.validated_data["manager"],
                                         user=request.user,
                                         first_day=data.validated_data.get("first_day"))
        return Response({"first_day": outcome.first_day, "created": outcome.stops_created,
                         "kept": outcome.stops_kept, "missed": outcome.missed,
                         "unplaced": _unplaced_json(outcome)},
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=PlanReorderSerializer, responses=PlannedVisitSerializer(many=True))
    @action(detail=False, methods=["post"])
    def reorder(self, request):
        data = PlanReorderSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        rows = services.plan_stop_reorder(manager=data.validated_data["manager"],
                                          user=request.user,
                                          day=data.validated_data["date"],
                                          order=data.validated_data["order"])
        return Response(PlannedVisitSerializer(rows, many=True).data)

    @extend_schema(request=PlanStopAddSerializer, responses=PlannedVisitSerializer)
    @action(detail=False, methods=["post"], url_path="add-stop")
    def add_stop(self, request):
        data = PlanStopAddSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        row = services.plan_stop_add_by_id(manager=data.validated_data["manager"],
                                           user=request.user, day=data.validated_data["date"],
                                           customer_id=data.validated_data["customer"])
        return Response(PlannedVisitSerializer(row).data, status=status.HTTP_201_CREATED)


class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Visits: POST starts one (arrival), finish closes it with the log, draft keeps input."""

    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    queryset = Visit.objects.none()

    def get_queryset(self):
        return (selectors.visits_visible_to(self.request.user)
                .select_related("customer").prefetch_related("price_stock__product"))

    @extend_schema(request=VisitStartSerializer, responses=VisitSerializer)
    def create(self, request):
        data = VisitStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.visit_arrive(
            user=request.user, customer_id=data.validated_data["customer"],
            planned_visit_id=data.validated_data.get("planned_visit"),
            at=data.validated_data.get("started_at"),
            latitude=data.validated_data.get("latitude"),
            longitude=data.validated_data.get("longitude"),
        )
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=VisitFinishSerializer, responses=VisitSerializer)
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        visit = self.get_object()
        data = VisitFinishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        visit = services.visit_finish(
            visit=visit, user=request.user, actions=values["actions"],
            lines=[dict(line) for line in values["lines"]], notes=values["notes"],
            next_actions=values["next_actions"], at=values.get("finished_at"),
            latitude=values.get("latitude"), longitude=values.get("longitude"),
            location_note=values["location_note"], short_reason=values["short_reason"],
        )
        return Response(VisitSerializer(self.get_queryset().get(pk=visit.pk)).data)

    @extend_schema(request=DraftSerializer, responses=VisitSerializer)
    @action(detail=True, methods=["put"])
    def draft(self, request, pk=None):
        visit = self.get_object()
        data = DraftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.visit_save_draft(visit=visit, user=request.user,
                                          draft=data.validated_data["draft"])
        return Response(VisitSerializer(visit).data)


class PlanStatsView(APIView):
    """Plan against actual for a manager, or for every manager the user may see."""

    @extend_schema(parameters=[PlanStatsQuerySerializer], responses=None)
    def get(self, request):
        query = PlanStatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        stats = selectors.plan_stats(user=request.user,
                                     first_day=query.validated_data.get("first_day"),
                                     last_day=query.validated_data.get("last_day"),
                                     manager_pk=query.validated_data.get("manager"))
        # The ratios are in each row as numbers; the TimeShares objects are for pages.
        stats.pop("times")
        stats["managers"] = [{**{key: value for key, value in row.items() if key != "times"},
                              "manager": row["manager"].pk}
                             for row in stats["managers"]]
        stats["flagged"] = [{"visit": visit.pk, "customer": visit.customer_id,
                             "manager": visit.manager_id, "date": visit.date,
                             "start_distance_m": visit.start_distance_m,
                             "far_from_store": visit.far_from_store,
                             "location_note": visit.location_note,
                             "short_reason": visit.short_reason}
                            for visit in stats["flagged"]]
        return Response(stats)


class VisitCadenceView(APIView):
    """How often and how long a store is visited, by grade (read-only, for the planner)."""

    @extend_schema(responses=CadenceSerializer(many=True))
    def get(self, request):
        return Response(CadenceSerializer(cadence_rows(), many=True).data)


class SupervisorVisitsDueView(APIView):
    """Key accounts the user oversees with no supervisor visit this quarter."""

    @extend_schema(responses=SupervisorVisitDueSerializer(many=True))
    def get(self, request):
        rows = selectors.supervisor_visits_due(user=request.user)
        return Response(SupervisorVisitDueSerializer(rows, many=True).data)


class SupervisorVisitRecordView(APIView):
    """Record a supervisor's visit of a key account (date, notes)."""

    @extend_schema(request=SupervisorVisitSerializer, responses=SupervisorVisitSerializer)
    def post(self, request, customer_pk):
        data = SupervisorVisitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.supervisor_visit_record(
            user=request.user, customer_id=customer_pk, on=data.validated_data["date"],
            notes=data.validated_data.get("notes", ""))
        return Response(SupervisorVisitSerializer(visit).data, status=status.HTTP_201_CREATED)


router_patterns = [
    path("visits/key-accounts/due/", SupervisorVisitsDueView.as_view(),
         name="supervisor-visits-due"),
    path("visits/key-accounts/<int:customer_pk>/supervisor-visit/",
         SupervisorVisitRecordView.as_view(), name="supervisor-visit"),
    path("visits/plan/", PlannedVisitViewSet.as_view({"get": "list"}), name="plan-list"),
    path("visits/plan/generate/", PlannedVisitViewSet.as_view({"post": "generate"}),
         name="plan-generate"),
    path("visits/plan/reorder/", PlannedVisitViewSet.as_view({"post": "reorder"}),
         name="plan-reorder"),
    path("visits/plan/add-stop/", PlannedVisitViewSet.as_view({"post": "add_stop"}),
         name="plan-add-stop"),
    path("visits/plan/<int:pk>/", PlannedVisitViewSet.as_view({"get": "retrieve"}),
         name="plan-detail"),
    path("visits/stats/", PlanStatsView.as_view(), name="plan-stats"),
    path("visits/", VisitViewSet.as_view({"get": "list", "post": "create"}),
         name="visit-list"),
    path("visits/<int:pk>/", VisitViewSet.as_view({"get": "retrieve"}), name="visit-detail"),
    path("visits/<int:pk>/finish/", VisitViewSet.as_view({"post": "finish"}),
         name="visit-finish"),
    path("visits/<int:pk>/draft/", VisitViewSet.as_view({"put": "draft"}), name="visit-draft"),
]

urlpatterns = [
    path("", include((router_patterns, "visits-api"))),
    path("visit-cadence/", VisitCadenceView.as_view(), name="visit-cadence"),
]
