from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from crm_project.api import NullsLastOrderingFilter

from . import keyaccounts, selectors, services
from .access import Ability, require
from .exports import customers_to_xlsx_response
from .filters import CustomerFilter
from .models import Customer, KeyAccount
from .serializers import (
    CustomerHistorySerializer,
    CustomerSerializer,
    KeyAccountSerializer,
    ReassignSerializer,
    TerritorySerializer,
)


class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.CreateModelMixin, mixins.UpdateModelMixin,
                      viewsets.GenericViewSet):
    """Retail customers, scoped to the requesting user. Stores are never deleted."""

    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    filter_backends = [DjangoFilterBackend, NullsLastOrderingFilter]
    ordering_fields = ["code", "name", "monthly_average", "grade", "last_order_date",
                       "churn_risk", "created_at"]
    ordering = ["code"]
    queryset = Customer.objects.none()

    def get_queryset(self):
        return selectors.customers_visible_to(self.request.user).select_related(
            "territory", "manager")

    def create(self, request, *args, **kwargs):
        require(request.user, Ability.CREATE_CUSTOMERS)  # 403 before any validation
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.customer_create(user=self.request.user,
                                                       data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.customer_update(
            customer=serializer.instance, user=self.request.user,
            data=serializer.validated_data,
        )

    @extend_schema(responses=CustomerHistorySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # a plain list
    def history(self, request, pk=None):
        entries = selectors.customer_history(customer=self.get_object(), limit=200)
        return Response(CustomerHistorySerializer(entries, many=True).data)

    @extend_schema(request=ReassignSerializer, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        customer = self.get_object()
        body = ReassignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        manager = selectors.assignable_manager_get(pk=body.validated_data["manager"])
        customer = services.customer_reassign(customer=customer, manager=manager,
                                              user=request.user,
                                              reason=body.validated_data["reason"])
        return Response(CustomerSerializer(customer, context={"request": request}).data,
                        status=status.HTTP_200_OK)

    @extend_schema(responses={(200, "application/vnd.openxmlformats-officedocument."
                                    "spreadsheetml.sheet"): bytes})
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        """The filtered list as an Excel file, scoped like the list."""
        return customers_to_xlsx_response(self.filter_queryset(self.get_queryset()))


class KeyAccountViewSet(viewsets.ReadOnlyModelViewSet):
    """Key-account proposals of the stores the user sees; a supervisor confirms or drops
    those of their department, an admin any."""

    serializer_class = KeyAccountSerializer
    queryset = KeyAccount.objects.none()

    def get_queryset(self):
        proposals = keyaccounts.key_accounts_visible_to(self.request.user).select_related(
            "customer")
        if status_filter := self.request.query_params.get("status"):
            proposals = proposals.filter(status=status_filter)
        return proposals

    def _decide(self, request, confirm: bool):
        key_account = keyaccounts.key_account_decide(key_account=self.get_object(),
                                                     user=request.user, confirm=confirm)
        return Response(KeyAccountSerializer(key_account).data)

    @extend_schema(request=None, responses=KeyAccountSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._decide(request, confirm=True)

    @extend_schema(request=None, responses=KeyAccountSerializer)
    @action(detail=True, methods=["post"])
    def drop(self, request, pk=None):
        return self._decide(request, confirm=False)


class TerritoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TerritorySerializer
    queryset = Customer.objects.none()
    pagination_class = None

    def get_queryset(self):
        return selectors.territories_visible_to(self.request.user)


router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("territories", TerritoryViewSet, basename="territory")
router.register("key-accounts", KeyAccountViewSet, basename="key-account")
urlpatterns = router.urls
