"""REST API of tier allocations: /api/allocations/ (admins write; supervisors read)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from customers.access import Ability, require

from . import allocations
from .models import Allocation
from .serializers import (
    AllocationFiguresSerializer,
    AllocationSavedSerializer,
    AllocationSerializer,
    AllocationWriteSerializer,
    QuotaExceptionSerializer,
    QuotaExceptionWriteSerializer,
)
from .services import product_by_code


class AllocationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Allocation tables of scarce SKUs per cycle: tier ranges (档位) to cartons per store.
    Saving one (POST, which also replaces an existing table of the same SKU and cycle)
    writes every active store's quota; it is refused with the figures when the quotas
    would pass the cycle's supply, and nothing is written. Exceptions set one store's quota
    by hand, with a reason. Administrators write; supervisors read."""

    serializer_class = AllocationSerializer
    queryset = Allocation.objects.none()
    ordering = ["-cycle_start", "product__code"]

    def get_queryset(self):
        queryset = allocations.allocations_visible_to(self.request.user)
        cycle, sku = self.request.query_params.get("cycle"), self.request.query_params.get("sku")
        if cycle:
            from .forms import SupplyQuery
            day = SupplyQuery({"cycle": cycle}).values()["cycle"]
            queryset = queryset.filter(cycle_start=day) if day else queryset.none()
        if sku:
            queryset = queryset.filter(product__code=sku)
        return queryset.order_by(*self.ordering)

    @extend_schema(parameters=[
        OpenApiParameter("cycle", str, description="Monday of the cycle (YYYY-MM-DD)"),
        OpenApiParameter("sku", str, description="SKU code")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _input(self, request):
        require(request.user, Ability.SET_SUPPLY, allocations.ALLOCATORS_ONLY)
        data = AllocationWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        return product_by_code(values["sku_code"]), values["cycle"], values["bands"]

    @extend_schema(request=AllocationWriteSerializer, responses=AllocationSavedSerializer)
    def create(self, request):
        product, cycle, bands = self._input(request)
        allocation, figures, created = allocations.allocation_save(
            user=request.user, product=product, cycle_start=cycle, rows=bands)
        body = {"allocation": AllocationSerializer(allocation).data,
                "figures": figures.as_dict()}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=AllocationWriteSerializer, responses=AllocationFiguresSerializer)
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """The figures the table would give (stores and cartons per range, against the
        supply); nothing is written."""
        product, cycle, bands = self._input(request)
        from .services import cycle_start_for
        figures = allocations.allocation_preview(user=request.user, product=product,
                                                 cycle_start=cycle_start_for(cycle),
                                                 rows=bands)
        return Response(figures.as_dict())

    @extend_schema(request=None, responses=AllocationFiguresSerializer)
    @action(detail=True, methods=["post"])
    def recompute(self, request, pk=None):
        """The quotas again from the table, today's tiers and the supply."""
        allocation = self.get_object()
        require(request.user, Ability.SET_SUPPLY, allocations.ALLOCATORS_ONLY)
        return Response(allocations.allocation_recompute(allocation=allocation).as_dict())

    @extend_schema(methods=["GET"], responses=QuotaExceptionSerializer(many=True))
    @extend_schema(methods=["POST"], request=QuotaExceptionWriteSerializer,
                   responses=QuotaExceptionSerializer)
    @action(detail=True, methods=["get", "post"])
    def exceptions(self, request, pk=None):
        """Stores whose quota is set by hand (GET: those you may see; POST: set one)."""
        allocation = self.get_object()
        if request.method == "GET":
            return Response(QuotaExceptionSerializer(
                allocations.exceptions_visible_to(request.user, allocation), many=True).data)
        require(request.user, Ability.SET_SUPPLY, allocations.ALLOCATORS_ONLY)
        data = QuotaExceptionWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        exception = allocations.quota_exception_set(
            user=request.user, allocation=allocation, customer_id=values["customer"],
            cartons=values["cartons"], reason=values["reason"])
        return Response(QuotaExceptionSerializer(exception).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"exceptions/(?P<customer_id>\d+)")
    def exception_remove(self, request, pk=None, customer_id=None):
        """The store goes back to the table's cartons for its tier."""
        allocation = self.get_object()
        allocations.quota_exception_remove(user=request.user, allocation=allocation,
                                           customer_id=int(customer_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


router = DefaultRouter()
router.register("allocations", AllocationViewSet, basename="allocation")
urlpatterns = router.urls
