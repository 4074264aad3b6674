from rest_framework import serializers

from customers.models import OrderChannel

from .models import Order, OrderEvent, OrderLine


class OrderLineSerializer(serializers.ModelSerializer):
    sku_code = serializers.CharField(source="product.code", read_only=True)
    name = serializers.CharField(source="product.name", read_only=True)
    unmet_cartons = serializers.IntegerField(read_only=True)

    class Meta:
        model = OrderLine
        fields = ["sku_code", "name", "requested_cartons", "granted_cartons", "unmet_cartons",
                  "unmet_reason", "unit_price", "amount"]


class OrderEventSerializer(serializers.ModelSerializer):
    user = serializers.StringRelatedField()

    class Meta:
        model = OrderEvent
        fields = ["at", "user", "action", "detail"]


class OrderSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    taken_by = serializers.StringRelatedField()
    lines = OrderLineSerializer(many=True, read_only=True)
    unmet_cartons = serializers.IntegerField(read_only=True)

    class Meta:
        model = Order
        fields = ["id", "customer", "customer_code", "customer_name", "cycle_start",
                  "is_supplementary",
                  "order_date", "status", "channel", "source", "taken_by", "created_at",
                  "confirmed_at", "cancelled_at", "cancel_reason", "requested_cartons",
                  "granted_cartons", "unmet_cartons", "total_amount", "lines"]
        read_only_fields = fields


class OrderDetailSerializer(OrderSerializer):
    events = OrderEventSerializer(many=True, read_only=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "events"]
        read_only_fields = fields


class LineInputSerializer(serializers.Serializer):
    sku_code = serializers.CharField(max_length=20)
    cartons = serializers.IntegerField()


class OrderCreateSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=OrderChannel.choices, required=False)
    lines = LineInputSerializer(many=True)
    confirm = serializers.BooleanField(default=False)


class OrderLinesSerializer(serializers.Serializer):
    lines = LineInputSerializer(many=True)


class OrderCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


# --- Tier allocation of scarce supply -------------------------------------------------

class AllocationBandSerializer(serializers.Serializer):
    """A tier range and its cartons per store. Numbers are checked by the service (field
    level, row by row), so a bad table answers with every fault at once."""

    min_tier = serializers.JSONField(help_text="Lowest tier of the range (1 = lowest).")
    max_tier = serializers.JSONField(help_text="Highest tier of the range, included.")
    cartons = serializers.JSONField(help_text="Cartons per store per cycle (0 or more).")


class AllocationWriteSerializer(serializers.Serializer):
    cycle = serializers.DateField(help_text="Any day of the cycle (its Monday is used).")
    sku_code = serializers.CharField(max_length=20)
    bands = AllocationBandSerializer(many=True, allow_empty=False)


class AllocationBandOutSerializer(serializers.Serializer):
    min_tier = serializers.IntegerField()
    max_tier = serializers.IntegerField()
    cartons = serializers.IntegerField()


class AllocationFiguresBandSerializer(AllocationBandOutSerializer):
    stores = serializers.IntegerField()
    needed = serializers.IntegerField()


class AllocationFiguresSerializer(serializers.Serializer):
    bands = AllocationFiguresBandSerializer(many=True)
    exception_stores = serializers.IntegerField()
    exception_cartons = serializers.IntegerField()
    untiered_stores = serializers.IntegerField()
    stores = serializers.IntegerField()
    needed = serializers.IntegerField()
    available = serializers.IntegerField()
    fits = serializers.BooleanField()




class AllocationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cycle = serializers.DateField(source="cycle_start")
    sku_code = serializers.CharField(source="product.code")
    sku_name = serializers.CharField(source="product.name")
    bands = AllocationBandOutSerializer(many=True, read_only=True)
    stores = serializers.IntegerField()
    total_cartons = serializers.IntegerField()
    computed_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    updated_by = serializers.StringRelatedField()


class AllocationSavedSerializer(serializers.Serializer):
    allocation = AllocationSerializer()
    figures = AllocationFiguresSerializer()


class QuotaExceptionSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer_id")
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    cartons = serializers.IntegerField()
    reason = serializers.CharField()
    created_by = serializers.StringRelatedField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class QuotaExceptionWriteSerializer(serializers.Serializer):
    customer = serializers.IntegerField(help_text="The store's id.")
    cartons = serializers.JSONField(help_text="The store's quota (0 or more).")
    reason = serializers.CharField(max_length=200, allow_blank=True)
