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
