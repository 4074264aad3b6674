"""REST API of the complaint desk: the same selectors and services as the pages."""

from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from . import selectors, serializers, services
from .filters import ComplaintFilter
from .models import Complaint

STEP_SERIALIZERS = {
    "acknowledge": (serializers.AcknowledgeSerializer, services.complaint_acknowledge),
    "investigate": (serializers.InvestigateSerializer, services.complaint_investigate),
    "propose": (serializers.ProposeSerializer, services.complaint_propose),
    "approve": (serializers.NoteSerializer, services.complaint_approve),
    "agree": (serializers.NoteSerializer, services.complaint_agree),
    "carry_out": (serializers.NoteSerializer, services.complaint_carry_out),
    "call_back": (serializers.CallBackSerializer, services.complaint_call_back),
    "close": (serializers.CloseSerializer, services.complaint_close),
    "reopen": (serializers.ReopenSerializer, services.complaint_reopen),
    "assign": (serializers.AssignSerializer, services.complaint_assign),
    "attach": (serializers.AttachSerializer, services.complaint_attach),
}


class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    queryset = Complaint.objects.none()
    serializer_class = serializers.ComplaintSerializer
    filterset_class = ComplaintFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    ordering_fields = ["received_at", "resolution_due", "severity", "status"]
    ordering = ["-received_at"]

    def get_queryset(self):
        return selectors.complaint_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ComplaintDetailSerializer
        if self.action == "create":
            return serializers.ComplaintCreateSerializer
        if self.action in STEP_SERIALIZERS:
            return STEP_SERIALIZERS[self.action][0]
        return serializers.ComplaintSerializer

    def _detail(self, complaint):
        complaint = selectors.complaint_get(user=self.request.user, pk=complaint.pk)
        return serializers.ComplaintDetailSerializer(complaint,
                                                     context=self.get_serializer_context()).data

    @extend_schema(request=serializers.ComplaintCreateSerializer,
                   responses=serializers.ComplaintDetailSerializer)
    def create(self, request):
        serializer = serializers.ComplaintCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if hasattr(request.data, "getlist"):
            data["files"] = request.FILES.getlist("files")
        complaint = services.complaint_create(user=request.user, **data)
        return Response(self._detail(complaint), status=status.HTTP_201_CREATED)

    def _step(self, request, pk, name):
        complaint = selectors.complaint_get(user=request.user, pk=pk)
        serializer_class, service = STEP_SERIALIZERS[name]
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if name == "attach":
            data["files"] = request.FILES.getlist("files")
        service(complaint=complaint, user=request.user, **data)
        return Response(self._detail(complaint))

    @extend_schema(responses=serializers.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._step(request, pk, "acknowledge")

    @extend_schema(responses=serializers.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def investigate(self, request, pk=None):
        return self._step(request, pk, "investigate")

    @extend_schema(responses=serializers.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def propose(self, request, pk=None):
        return self._step(request, pk, "propose")

    @extend_schema(responses=serializers.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._step(request, pk, "approve")

    @extend_schema(responses=serializers.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def agree(self, request, pk=None):
        return self._step(request, pk, "agree")

    @extend_schema(responses=serializers.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"], url_path="carry-out")
    def carry_out(self, request, pk=None):
        return self._step(request, pk, "carry_out")

    @extend_schema(responses=serializers.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"], url_path="call-back")
    def call_back(self, request, pk=None):
        return self._step(request, pk, "call_back")

    @extend_schema(responses=serializers.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._step(request, pk, "close")

    @extend_schema(responses=serializers.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._step(request, pk, "reopen")

    @extend_schema(responses=serializers.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self._step(request, pk, "assign")

    @extend_schema(responses=serializers.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attach(self, request, pk=None):
        return self._step(request, pk, "attach")

    @extend_schema(responses=dict)
    @action(detail=False, methods=["get"])
    def figures(self, request):
        complaints = self.filter_queryset(self.get_queryset())
        figures = selectors.complaint_figures(complaints=complaints)
        figures.pop("rows")
        for key in ("reply", "resolution"):
            average = figures[key]["average"]
            figures[key]["average_hours"] = (round(average.total_seconds() / 3600, 1)
                                             if average is not None else None)
            figures[key].pop("average")
        return Response(figures)


router = DefaultRouter()
router.register("complaints", ComplaintViewSet, basename="complaint")

urlpatterns = [path("", include(router.urls))]
