"""REST API of the complaint desk: the same selectors and services as the pages. One POST
action per workflow step, made from the transitions table (carry_out -> carry-out/)."""

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
from .workflow import TRANSITIONS


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
        return serializers.STEP_SERIALIZERS.get(self.action, serializers.ComplaintSerializer)

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
        serializer = serializers.STEP_SERIALIZERS[name](data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if name == "attach":
            data["files"] = request.FILES.getlist("files")
        services.complaint_step(complaint=complaint, user=request.user, action=name, **data)
        return Response(self._detail(complaint))

    @extend_schema(responses=dict)
    @action(detail=False, methods=["get"])
    def figures(self, request):
        complaints = self.filter_queryset(self.get_queryset())
        return Response(selectors.complaint_figures_for_api(complaints=complaints))


def _step_endpoint(name: str):
    def step(self, request, pk=None):
        return self._step(request, pk, name)

    step.__name__ = name
    parsers = {"parser_classes": [MultiPartParser, FormParser]} if name == "attach" else {}
    endpoint = action(detail=True, methods=["post"], url_path=name.replace("_", "-"),
                      **parsers)(step)
    return extend_schema(responses=serializers.ComplaintDetailSerializer)(endpoint)


for _name in TRANSITIONS:
    setattr(ComplaintViewSet, _name, _step_endpoint(_name))

router = DefaultRouter()
router.register("complaints", ComplaintViewSet, basename="complaint")

urlpatterns = [path("", include(router.urls))]
