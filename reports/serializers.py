"""Shapes of the report API's answers (also what the OpenAPI schema documents)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers.grading.serializers import GradeChangeSerializer


@extend_schema_field(OpenApiTypes.STR)
class KeyField(serializers.Field):
    """A group's key: a month (YYYY-MM), an id, or a code (brand, price band, format)."""

    def to_representation(self, value):
        return value.strftime("%Y-%m") if hasattr(value, "strftime") else value


class SalesRowSerializer(serializers.Serializer):
    key = KeyField(allow_null=True)
    label = serializers.CharField()
    cartons = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    average_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True,
        help_text="Yuan per carton (条均价); null without cartons.")
    stores = serializers.IntegerField()


class SalesTotalSerializer(serializers.Serializer):
    cartons = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    average_price = serializers.DecimalField(max_digits=12, decimal_places=2,
                                             allow_null=True)
    stores = serializers.IntegerField()


class SalesReportSerializer(serializers.Serializer):
    group_by = serializers.CharField()
    from_month = serializers.CharField()
    to_month = serializers.CharField()
    rows = SalesRowSerializer(many=True)
    total = SalesTotalSerializer()

    def get_fields(self):
        # "from" and "to" are the field names of the query; Python cannot name them.
        fields = super().get_fields()
        fields["from"] = fields.pop("from_month")
        fields["to"] = fields.pop("to_month")
        return fields


class GradeCountsSerializer(serializers.Serializer):
    A = serializers.IntegerField()
    B = serializers.IntegerField()
    C = serializers.IntegerField()


class GradeRowSerializer(serializers.Serializer):
    key = KeyField(allow_null=True)
    label = serializers.CharField()
    counts = GradeCountsSerializer()
    total = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2,
                                      help_text="Purchases of these stores in the month.")


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-11",
                      "nullable": True})
class MonthField(serializers.DateField):
    """A month written YYYY-MM (not a date, as the schema would otherwise say)."""


class GradeReportSerializer(serializers.Serializer):
    month = MonthField(format="%Y-%m", allow_null=True)
    group_by = serializers.CharField()
    rows = GradeRowSerializer(many=True)
    total = GradeRowSerializer()


class GradeChangeRowSerializer(GradeChangeSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    territory = serializers.CharField(source="customer.territory.name", read_only=True)
    manager = serializers.SerializerMethodField()

    class Meta(GradeChangeSerializer.Meta):
        fields = [*GradeChangeSerializer.Meta.fields, "customer_name", "territory", "manager"]

    def get_manager(self, change) -> str | None:
        manager = change.customer.manager
        return (manager.get_full_name() or manager.username) if manager else None


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PlainRowSerializer(serializers.Serializer):
    """A row of whole numbers, ratios and people ({id, name}) as the selectors build them,
    copied as it is rather than field by field: a province's morning view has 2,000
    managers' rows, 90 ms through the fields. The fields still describe it (schema)."""

    def to_representation(self, row):
        return {name: row[name] for name in self.fields}


class OrderingRowSerializer(PlainRowSerializer):
    clerk = PersonSerializer()
    to_call = serializers.IntegerField()
    called = serializers.IntegerField()
    ordered = serializers.IntegerField()
    no_answer = serializers.IntegerField()
    call_back = serializers.IntegerField()


class VisitRowSerializer(PlainRowSerializer):
    manager = PersonSerializer()
    planned = serializers.IntegerField()
    done = serializers.IntegerField()
    missed = serializers.IntegerField()
    customer_time_ratio = serializers.FloatField(allow_null=True)


class WarningRowSerializer(serializers.Serializer):
    manager = PersonSerializer(allow_null=True)
    warnings = serializers.IntegerField()


class OverdueRowSerializer(serializers.Serializer):
    handler = PersonSerializer(allow_null=True)
    complaints = serializers.IntegerField()


class ProductRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class ScarceRowSerializer(serializers.Serializer):
    product = ProductRefSerializer()
    available = serializers.IntegerField()
    granted = serializers.IntegerField()
    remaining = serializers.IntegerField()
    unmet = serializers.IntegerField()


class PurchasesSerializer(serializers.Serializer):
    first = serializers.DateField()
    last = serializers.DateField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    cartons = serializers.IntegerField()
    orders = serializers.IntegerField()
    change = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True,
                                      required=False,
                                      help_text="Month to date against this, in percent.")


class KeyAccountMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    share = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)


class KeyAccountShareSerializer(serializers.Serializer):
    stores = serializers.IntegerField()
    this_month = KeyAccountMonthSerializer()
    last_month = KeyAccountMonthSerializer()


class MorningSerializer(serializers.Serializer):
    today = serializers.DateField()
    cycle_start = serializers.DateField()
    ordering = OrderingRowSerializer(many=True)
    visits = VisitRowSerializer(many=True)
    new_warnings = WarningRowSerializer(many=True)
    overdue_complaints = OverdueRowSerializer(many=True)
    scarce = ScarceRowSerializer(many=True)
    month_to_date = PurchasesSerializer()
    same_days_last_month = PurchasesSerializer()
    same_days_last_year = PurchasesSerializer()
    key_accounts = KeyAccountShareSerializer()
