"""REST API for orders: the same services, and so the same rules, as the console."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from . import selectors, services
from .filters import OrderFilter
from .models import Order
from .serializers import (
    OrderCancelSerializer,
    OrderCreateSerializer,
    OrderDetailSerializer,
    OrderLinesSerializer,
    OrderSerializer,
)


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Orders of the stores you may see. Create, modify (replace the lines), confirm and
    cancel follow the console's rules: stock, quotas, territories, store status."""

    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    ordering_fields = ["order_date", "total_amount", "granted_cartons"]
    ordering = ["-order_date", "-id"]
    queryset = Order.objects.none()

    def get_queryset(self):
        return (selectors.orders_visible_to(self.request.user)
                .select_related("customer", "taken_by").prefetch_related("lines__product"))

    def get_serializer_class(self):
        if self.action == "retrieve":
            return OrderDetailSerializer
        return OrderSerializer

    def _answer(self, order, code=status.HTTP_200_OK):
        order = self.get_queryset().get(pk=order.pk)
        return Response(OrderDetailSerializer(order).data, status=code)

    @extend_schema(request=OrderCreateSerializer, responses=OrderDetailSerializer)
    def create(self, request):
        data = OrderCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.order_create_from_codes(
            user=request.user, customer_id=data.validated_data["customer"],
            lines=data.validated_data["lines"], channel=data.validated_data.get("channel"),
            confirm=data.validated_data["confirm"])
        return self._answer(order, status.HTTP_201_CREATED)

    @extend_schema(request=OrderLinesSerializer, responses=OrderDetailSerializer)
    def partial_update(self, request, pk=None):
        order = self.get_object()
        data = OrderLinesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.order_replace_lines(user=request.user, order=order,
                                             lines=services.line_requests(data.validated_data["lines"]))
        return self._answer(order)

    @extend_schema(request=None, responses=OrderDetailSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        order = services.order_confirm(user=request.user, order=self.get_object())
        return self._answer(order)

    @extend_schema(request=OrderCancelSerializer, responses=OrderDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = OrderCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.order_cancel(user=request.user, order=self.get_object(),
                                      reason=data.validated_data.get("reason", ""))
        return self._answer(order)


router = DefaultRouter()
router.register("orders", OrderViewSet, basename="order")
urlpatterns = router.urls
