from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from . import selectors
from .actions import ACTION_CODES
from .models import PlannedVisit, PriceStockRecord, SupervisorVisit, Visit


class StoreSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    grade = serializers.CharField()
    network = serializers.CharField()
    address = serializers.CharField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)


class PlannedVisitSerializer(serializers.ModelSerializer):
    customer = StoreSummarySerializer(read_only=True)
    visit = serializers.SerializerMethodField()

    class Meta:
        model = PlannedVisit
        fields = ["id", "manager", "customer", "date", "sequence", "planned_start",
                  "travel_minutes", "service_minutes", "aims", "added_by_manager", "status",
                  "visit"]

    def get_visit(self, obj) -> int | None:
        visit = getattr(obj, "visit", None)
        return visit.pk if visit else None


class PriceStockRecordSerializer(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = PriceStockRecord
        fields = ["product", "product_name", "retail_price", "stock_cartons",
                  "outside_guidance"]


class VisitSerializer(serializers.ModelSerializer):
    customer = StoreSummarySerializer(read_only=True)
    price_stock = PriceStockRecordSerializer(many=True, read_only=True)
    minutes = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Visit
        fields = ["id", "customer", "manager", "planned_visit", "date", "status",
                  "started_at", "finished_at", "minutes", "start_latitude", "start_longitude",
                  "finish_latitude", "finish_longitude", "start_distance_m", "far_from_store",
                  "location_note", "short_reason", "actions", "notes", "next_actions",
                  "draft", "price_stock"]


class VisitStartSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    planned_visit = serializers.IntegerField(required=False, allow_null=True)
    started_at = serializers.DateTimeField(required=False)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False,
                                        allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False,
                                         allow_null=True, min_value=-180, max_value=180)


class LineSerializer(serializers.Serializer):
    # Checked by the service so the page and the API give the same messages.
    product = serializers.CharField()
    retail_price = serializers.CharField()
    stock_cartons = serializers.CharField()


class VisitFinishSerializer(serializers.Serializer):
    actions = serializers.ListField(child=serializers.ChoiceField(choices=ACTION_CODES),
                                    required=False, default=list)
    lines = LineSerializer(many=True, required=False, default=list)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    next_actions = serializers.CharField(required=False, allow_blank=True, default="")
    location_note = serializers.CharField(required=False, allow_blank=True, default="")
    short_reason = serializers.CharField(required=False, allow_blank=True, default="")
    finished_at = serializers.DateTimeField(required=False)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False,
                                        allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False,
                                         allow_null=True, min_value=-180, max_value=180)


class DraftSerializer(serializers.Serializer):
    draft = serializers.DictField()


class ManagerSerializer(serializers.Serializer):
    """`manager` comes back as the manager whose plan is meant: the one named (404 outside
    the user's scope) or the user themself."""

    manager = serializers.IntegerField(required=False)

    def validate(self, attrs):
        attrs["manager"] = selectors.manager_for(user=self.context["request"].user,
                                                 pk=attrs.get("manager"))
        return attrs


class PlanGenerateSerializer(ManagerSerializer):
    first_day = serializers.DateField(required=False)


class PlanReorderSerializer(ManagerSerializer):
    date = serializers.DateField()
    order = serializers.ListField(child=serializers.IntegerField(), allow_empty=False,
                                  help_text=_("Ids of the day's stops in the new order."))


class PlanStopAddSerializer(ManagerSerializer):
    date = serializers.DateField()
    customer = serializers.IntegerField()


class PlanStatsQuerySerializer(serializers.Serializer):
    manager = serializers.IntegerField(required=False)
    first_day = serializers.DateField(required=False)
    last_day = serializers.DateField(required=False)


class CadenceSerializer(serializers.Serializer):
    grade = serializers.CharField()
    interval_days = serializers.IntegerField()
    urban_minutes = serializers.IntegerField()
    rural_minutes = serializers.IntegerField()


class SupervisorVisitDueSerializer(serializers.Serializer):
    """A key account without a supervisor visit this quarter."""

    customer = StoreSummarySerializer()
    manager = serializers.IntegerField(source="customer.manager_id", allow_null=True)
    next_visit_date = serializers.DateField(source="next_visit.date", allow_null=True,
                                            default=None)
    next_visit = serializers.IntegerField(source="next_visit.pk", allow_null=True, default=None)
    last_supervisor_visit = serializers.DateField(allow_null=True)


class SupervisorVisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupervisorVisit
        fields = ["id", "customer", "supervisor", "date", "notes", "created_at"]
        read_only_fields = ["id", "customer", "supervisor", "created_at"]
        extra_kwargs = {"notes": {"max_length": 2000}}
