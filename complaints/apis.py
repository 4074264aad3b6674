"""REST API of the complaint desk: the same selectors and services as the pages. One POST
action per workflow step, made from the transitions table (carry_out -> carry-out/)."""

from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from customers.selectors import customer_get

from . import selectors, serializers, services, surveys
from .filters import ComplaintFilter
from .models import Callback, Complaint, Survey, SurveyAnswer
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

class SurveyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    viewsets.GenericViewSet):
    """Satisfaction surveys: admins define them and draw the sample; results are scoped."""

    queryset = Survey.objects.none()
    serializer_class = serializers.SurveySerializer

    def get_queryset(self):
        return surveys.surveys_visible_to(self.request.user)

    def create(self, request):
        serializer = serializers.SurveySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        survey = surveys.survey_create(user=request.user, **serializer.validated_data)
        return Response(serializers.SurveySerializer(survey).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.SurveySampleSerializer,
                   responses=serializers.SurveySerializer)
    @action(detail=True, methods=["post"])
    def sample(self, request, pk=None):
        survey = self.get_object()
        serializer = serializers.SurveySampleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        surveys.survey_draw_sample(user=request.user, survey=survey,
                                   **serializer.validated_data)
        survey.refresh_from_db()
        return Response(serializers.SurveySerializer(survey).data)

    @extend_schema(responses=dict)
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        return Response(surveys.survey_results(user=request.user, survey=self.get_object()))


class SurveyAnswerViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = SurveyAnswer.objects.none()
    serializer_class = serializers.SurveyAnswerSerializer

    def get_queryset(self):
        rows = surveys.answers_visible_to(self.request.user).select_related(
            "customer", "answered_by")
        survey = self.request.query_params.get("survey")
        return rows.filter(survey=survey) if survey and survey.isdigit() else rows

    @extend_schema(request=serializers.SurveyAnswerCreateSerializer,
                   responses=serializers.SurveyAnswerSerializer)
    def create(self, request):
        serializer = serializers.SurveyAnswerCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        survey = surveys.survey_get(user=request.user, pk=data.pop("survey"))
        customer = customer_get(user=request.user, pk=data.pop("customer"))
        answer = surveys.survey_answer(user=request.user, survey=survey, customer=customer,
                                       **data)
        return Response(serializers.SurveyAnswerSerializer(answer).data,
                        status=status.HTTP_201_CREATED)


class CallbackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """Service call-backs (回访) on the stores the user may see; `?open=1` for unanswered."""

    queryset = Callback.objects.none()
    serializer_class = serializers.CallbackSerializer

    def get_queryset(self):
        rows = surveys.callbacks_visible_to(self.request.user)
        if self.request.query_params.get("open") in ("1", "true"):
            rows = rows.filter(answered_at__isnull=True)
        return rows

    @extend_schema(request=serializers.CallbackAnswerSerializer,
                   responses=serializers.CallbackSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        callback = self.get_object()
        serializer = serializers.CallbackAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        callback = surveys.callback_answer(user=request.user, callback=callback,
                                           **serializer.validated_data)
        return Response(serializers.CallbackSerializer(callback).data)


router = DefaultRouter()
router.register("complaints", ComplaintViewSet, basename="complaint")
router.register("surveys", SurveyViewSet, basename="survey")
router.register("survey-answers", SurveyAnswerViewSet, basename="survey-answer")
router.register("callbacks", CallbackViewSet, basename="callback")

urlpatterns = [path("", include(router.urls))]
