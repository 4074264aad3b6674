from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .access import Ability, can
from .models import Customer
from .selectors import managers_visible_to, territories_visible_to
from .validators import impossible_date_message

CARE_DATE_FIELDS = ("birthday", "anniversary")


class CareDateField(forms.DateField):
    """A care date (birthday, anniversary) that says plainly when a day does not exist."""

    def to_python(self, value):
        message = impossible_date_message(value)
        if message:
            raise ValidationError(message, code="invalid_date")
        return super().to_python(value)

FIELDSETS = [
    (_("Basic information"), [
        "code", "name", "license_no", "owner", "legal_representative", "phone", "address",
        "business_hours", "shop_sign", "facility_type", "business_format", "network",
        "latitude", "longitude", "territory", "manager", "status",
    ]),
    (_("Business handling"), [
        "standard_class", "order_weekday", "delivery_weekday", "order_channel",
        "settlement_method", "delivery_method", "delivery_time",
    ]),
    (_("Operating information"), [
        "operator_background", "education", "family", "personality", "temperament", "needs",
        "gross_margin_percent", "brands_stocked", "sales_structure",
        "lawful_operation", "price_compliance", "new_product_listing", "birthday",
        "anniversary",
    ]),
    (_("Credit"), ["registered_capital", "credit_limit", "credit_term_days", "payment_terms"]),
]
ALL_FIELDS = [name for _, names in FIELDSETS for name in names]


class CustomerForm(forms.ModelForm):
    change_reason = forms.CharField(label=_("Reason for the change"), required=False,
                                    max_length=100)

    class Meta:
        model = Customer
        fields = ALL_FIELDS
        field_classes = {name: CareDateField for name in CARE_DATE_FIELDS}
        widgets = {
            "birthday": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "anniversary": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "operator_background": forms.Textarea(attrs={"rows": 2}),
            "needs": forms.Textarea(attrs={"rows": 2}),
            "phone": forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
        }

    def __init__(self, *args, user, editable: set[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = territories_visible_to(user)
        self.fields["manager"].queryset = managers_visible_to(user)
        if self.instance.pk is None:
            del self.fields["change_reason"]
        elif not can(user, Ability.REASSIGN_STORES):
            # Reassigning a store is an administrator's action.
            self.fields["manager"].disabled = True
        if editable is not None:
            for name in list(self.fields):
                if name not in editable and name != "change_reason":
                    self.fields[name].disabled = True

    def fieldsets(self):
        for title, names in FIELDSETS:
            yield title, [self[name] for name in names if name in self.fields]

    def changed_cleaned_data(self) -> dict:
        """Only the fields the user could edit, for the update service."""
        return {name: self.cleaned_data[name] for name in ALL_FIELDS
                if name in self.fields and not self.fields[name].disabled}
