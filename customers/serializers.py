from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .grading.serializers import ReasonSerializer, reasons_with_text
from .models import Customer, CustomerGrade, Grade, KeyAccount, Territory
from .selectors import managers_visible_to, territories_visible_to
from .validators import impossible_date_message


class CareDateField(serializers.DateField):
    """A care date (birthday, anniversary): 30 February is refused as such."""

    def to_internal_value(self, value):
        message = impossible_date_message(value)
        if message:
            raise serializers.ValidationError(message, code="invalid_date")
        return super().to_internal_value(value)


def _grade_label(field: str):
    return CustomerGrade._meta.get_field(field).verbose_name


READ_ONLY = ["id", "last_order_date", "open_complaint_count", "churn_risk", "churn_risk_as_of",
             "created_at", "updated_at",
             # derived from survey answers and complaint call-backs (complaints.surveys)
             "satisfaction"]


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related id limited to what the requesting user may see or assign."""

    def __init__(self, scope, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user)


class CustomerSerializer(serializers.ModelSerializer):
    territory = ScopedPrimaryKeyField(territories_visible_to)
    territory_code = serializers.CharField(source="territory.code", read_only=True)
    manager = ScopedPrimaryKeyField(managers_visible_to, allow_null=True, required=False)
    manager_username = serializers.CharField(source="manager.username", read_only=True,
                                             default=None, allow_null=True)
    # Blank until the first grading run: the schema lists "" beside the grades.
    grade = serializers.ChoiceField(choices=Grade.choices, allow_blank=True, read_only=True)
    # The rest of the grade (customers.models.CustomerGrade), as the customer reads it.
    tier = serializers.IntegerField(label=_grade_label("tier"), read_only=True, allow_null=True)
    monthly_average = serializers.DecimalField(
        label=_grade_label("monthly_average"), max_digits=14, decimal_places=2,
        read_only=True, allow_null=True)
    grade_as_of = serializers.DateField(label=_grade_label("as_of"), read_only=True,
                                        allow_null=True)
    birthday = CareDateField(label=Customer._meta.get_field("birthday").verbose_name,
                             allow_null=True, required=False)
    anniversary = CareDateField(label=Customer._meta.get_field("anniversary").verbose_name,
                                allow_null=True, required=False)
    # What drives the churn risk (stores at or above the warning threshold), in words.
    churn_reasons = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        exclude = ["name_initials"]
        read_only_fields = READ_ONLY

    @extend_schema_field(ReasonSerializer(many=True))
    def get_churn_reasons(self, customer) -> list[dict]:
        return reasons_with_text(customer.churn_reasons)


class CustomerHistorySerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    who = serializers.CharField(source="who.username", allow_null=True)
    type = serializers.CharField()
    reason = serializers.CharField()
    changes = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()))


class ReassignSerializer(serializers.Serializer):
    manager = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class TerritorySerializer(serializers.ModelSerializer):
    department_code = serializers.CharField(source="department.code", read_only=True)

    class Meta:
        model = Territory
        fields = ["id", "code", "name", "department", "department_code"]


class KeyAccountSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = KeyAccount
        fields = ["id", "customer", "customer_code", "customer_name", "month", "status",
                  "manual", "decided_by", "decided_at"]
        read_only_fields = fields
