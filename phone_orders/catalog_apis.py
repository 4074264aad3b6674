from rest_framework import mixins, serializers, viewsets
from rest_framework.routers import DefaultRouter

from customers.access import Ability, require

from .catalog import ProductFilter, product_save, product_update, products_visible_to
from .models import Product


class ProductSerializer(serializers.ModelSerializer):
    price_band = serializers.ChoiceField(choices=Product._meta.get_field("price_band").choices,
                                         required=False)

    class Meta:
        model = Product
        exclude = ["name_initials"]
        read_only_fields = ["id", "created_at", "updated_at"]


class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     mixins.CreateModelMixin, mixins.UpdateModelMixin,
                     viewsets.GenericViewSet):
    """The cigarette catalog. Everyone reads it; only administrators change it."""

    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    ordering_fields = ["code", "name", "brand", "wholesale_price", "retail_price",
                       "price_band"]
    ordering = ["code"]
    queryset = Product.objects.none()

    def get_queryset(self):
        return products_visible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        require(request.user, Ability.EDIT_CATALOG)  # 403 before any validation
        return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        self.get_object()  # 404 outside the user's view first
        require(request.user, Ability.EDIT_CATALOG)
        return super().update(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = product_save(user=self.request.user,
                                           product=Product(**serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = product_update(user=self.request.user,
                                             product=serializer.instance,
                                             data=serializer.validated_data)


router = DefaultRouter()
router.register("products", ProductViewSet, basename="product")
urlpatterns = router.urls
