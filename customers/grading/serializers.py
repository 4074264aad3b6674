from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers.models import (
    ChurnModel,
    ChurnWarning,
    GradeChange,
    GradeSnapshot,
    GradingSettings,
    JobKind,
    JobRun,
)

from .reasons import explanation_sentence, warning_explanations


class GradeSnapshotSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)

    class Meta:
        model = GradeSnapshot
        fields = ["id", "customer", "customer_code", "month", "as_of", "grade", "tier",
                  "monthly_average", "rank", "cumulative_share", "window_months",
                  "counted_months", "method"]


class GradeChangeSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    direction = serializers.SerializerMethodField()

    class Meta:
        model = GradeChange
        fields = ["id", "customer", "customer_code", "month", "as_of", "old_grade",
                  "new_grade", "direction", "old_monthly_average", "new_monthly_average"]

    def get_direction(self, change) -> str:
        return "down" if change.is_downgrade else "up"


class ReasonSerializer(serializers.Serializer):
    """One human reason: its code and figures, and the sentence in the reader's language."""

    code = serializers.CharField()
    text = serializers.CharField()


def reasons_with_text(items) -> list[dict]:
    return [{**item, "text": explanation_sentence(item)} for item in items or []]


class ChurnWarningSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    reasons = serializers.SerializerMethodField()

    class Meta:
        model = ChurnWarning
        fields = ["id", "customer", "customer_code", "customer_name", "reason", "score",
                  "reasons", "evidence", "owner", "status", "as_of", "raised_at",
                  "updated_at", "handled_by", "resolved_at", "resolution"]
        read_only_fields = fields

    @extend_schema_field(ReasonSerializer(many=True))
    def get_reasons(self, warning) -> list[dict]:
        """Every reason: what drives the store's risk, then the rules that hold."""
        return reasons_with_text(warning_explanations(warning.reason, warning.evidence))


class WarningResolutionSerializer(serializers.Serializer):
    resolution = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                       default="")


class GradingSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = GradingSettings
        fields = ["window_months", "method", "a_share_percent", "b_share_percent",
                  "c_share_percent", "a_amount", "b_amount", "tier_count", "updated_at"]
        read_only_fields = ["updated_at"]


class JobRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = JobRun
        fields = ["id", "kind", "as_of", "status", "started_at", "finished_at",
                  "stores_processed", "changes", "details", "error", "started_by"]
        read_only_fields = fields


class JobStartSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=JobKind.choices)
    as_of = serializers.DateField(required=False, allow_null=True, default=None)



class ChurnModelSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ChurnModel
        fields = ["id", "version", "trained_at", "as_of", "horizon_weeks", "threshold_percent",
                  "status", "status_display", "message", "metrics", "job_run"]
        read_only_fields = fields
