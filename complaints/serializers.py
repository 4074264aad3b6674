from rest_framework import serializers

from customers.models import Customer, User
from phone_orders.models import Product

from .models import (
    Attachment,
    Callback,
    Channel,
    Complaint,
    ComplaintStep,
    Dimension,
    Kind,
    Nature,
    Responsibility,
    SampleMethod,
    Severity,
    Survey,
    SurveyAnswer,
)
from .workflow import actions_for


class StepSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = ComplaintStep
        fields = ["kind", "user", "at", "note", "data"]


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "uploaded_at", "url"]

    def get_url(self, attachment) -> str:
        from django.urls import reverse

        return reverse("complaints:attachment", args=[attachment.complaint_id, attachment.pk])


class ComplaintSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    handler = serializers.CharField(source="handler.username", read_only=True, default=None)
    taken_by = serializers.CharField(source="taken_by.username", read_only=True)
    # Blank until the cause is found: the schema lists "" beside the choices.
    responsibility = serializers.ChoiceField(choices=Responsibility.choices, allow_blank=True,
                                             read_only=True)
    overdue = serializers.BooleanField(read_only=True)
    needs_approval = serializers.BooleanField(read_only=True)

    class Meta:
        model = Complaint
        fields = ["id", "customer", "customer_code", "customer_name", "channel", "kind",
                  "nature", "severity", "description", "product", "order", "order_ref", "visit",
                  "taken_by", "handler", "status", "overdue", "received_at",
                  "first_reply_due", "acknowledged_at", "expected_resolution",
                  "resolution_due", "cause", "responsibility", "solution", "compensation",
                  "approval_required", "needs_approval", "approved_at", "resolved_at",
                  "satisfaction", "store_feedback", "closed_at", "review_note",
                  "reopen_count"]
        read_only_fields = fields


class ComplaintDetailSerializer(ComplaintSerializer):
    steps = StepSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField(
        help_text="The steps the requesting user may take now (POST /api/complaints/{id}/"
                  "<step>/, with - for _).")

    class Meta(ComplaintSerializer.Meta):
        fields = ComplaintSerializer.Meta.fields + ["steps", "attachments", "actions"]
        read_only_fields = fields

    def get_actions(self, complaint) -> list[str]:
        request = self.context.get("request")
        return actions_for(complaint, request.user) if request else []


class ComplaintCreateSerializer(serializers.Serializer):
    # Any store id is accepted here; the service refuses one outside the user's scope
    # with the same message as an unknown one.
    customer = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    kind = serializers.ChoiceField(choices=Kind.choices)
    nature = serializers.ChoiceField(choices=Nature.choices, default=Nature.GOOD_FAITH)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.MEDIUM)
    description = serializers.CharField()
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(),
                                                 required=False, allow_null=True)
    order_ref = serializers.CharField(required=False, allow_blank=True, max_length=40)
    visit_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    order_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    handler = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False,
                                                 allow_null=True)
    files = serializers.ListField(child=serializers.FileField(), required=False)

    def validate_customer(self, value):
        return Customer.objects.filter(pk=value).first()


class AcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField()
    expected_resolution = serializers.DateField()


class InvestigateSerializer(serializers.Serializer):
    cause = serializers.CharField()
    responsibility = serializers.CharField()


class ProposeSerializer(serializers.Serializer):
    solution = serializers.CharField()
    compensation = serializers.DecimalField(max_digits=12, decimal_places=2, required=False,
                                            min_value=0)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CallBackSerializer(serializers.Serializer):
    # Range checked by the service so page and API give the same message.
    satisfaction = serializers.IntegerField()
    store_feedback = serializers.CharField(required=False, allow_blank=True, default="")


class CloseSerializer(serializers.Serializer):
    review_note = serializers.CharField()


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField()


class AssignSerializer(serializers.Serializer):
    handler = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())


class AttachSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False)


# One serializer per workflow step (complaints.workflow.TRANSITIONS).
STEP_SERIALIZERS = {
    "acknowledge": AcknowledgeSerializer,
    "investigate": InvestigateSerializer,
    "propose": ProposeSerializer,
    "approve": NoteSerializer,
    "agree": NoteSerializer,
    "carry_out": NoteSerializer,
    "call_back": CallBackSerializer,
    "close": CloseSerializer,
    "reopen": ReopenSerializer,
    "assign": AssignSerializer,
    "attach": AttachSerializer,
}


# --- satisfaction surveys and service call-backs -------------------------------------------

class SurveySerializer(serializers.ModelSerializer):
    # "" until a sample is drawn, then one of SampleMethod.
    sample_method = serializers.CharField(read_only=True)

    class Meta:
        model = Survey
        fields = ["id", "title", "questions", "sample_method", "sample_size",
                  "population_size", "sampled_at", "created_at"]
        read_only_fields = ["sample_method", "sample_size", "population_size", "sampled_at",
                            "created_at"]


class SurveySampleSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=SampleMethod.choices)
    size = serializers.IntegerField(min_value=1)


def _score_field():
    return serializers.IntegerField(min_value=1, max_value=5)


class SurveyAnswerSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    answered_by = serializers.CharField(source="answered_by.username", read_only=True)

    class Meta:
        model = SurveyAnswer
        fields = ["id", "survey", "customer", "customer_name", "channel", *Dimension.values,
                  "comment", "answered_by", "answered_at"]
        read_only_fields = ["channel", "answered_at"]


class SurveyAnswerCreateSerializer(serializers.Serializer):
    survey = serializers.IntegerField()
    customer = serializers.IntegerField()
    reliability = _score_field()
    responsiveness = _score_field()
    assurance = _score_field()
    empathy = _score_field()
    tangibles = _score_field()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class CallbackSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    served_by = serializers.CharField(source="served_by.username", read_only=True,
                                      default=None)

    class Meta:
        model = Callback
        fields = ["id", "subject", "visit", "order", "customer", "customer_name", "served_by",
                  "created_at", "as_agreed", "attitude", "remarks", "answered_at"]


class CallbackAnswerSerializer(serializers.Serializer):
    as_agreed = serializers.BooleanField()
    attitude = _score_field()
    remarks = serializers.CharField(required=False, allow_blank=True, default="")
