from django import forms
from django.utils.translation import gettext_lazy as _

from customers.selectors import customers_visible_to
from phone_orders.models import Order, Product

from .models import Channel, Kind, Nature, Responsibility, SampleMethod, Severity
from .selectors import handlers_visible_to


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; type and size are checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={
            "accept": "image/jpeg,image/png,image/gif,image/webp,application/pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ComplaintForm(forms.Form):
    customer = forms.IntegerField(label=_("Store"))
    channel = forms.ChoiceField(choices=Channel.choices, label=_("Intake channel"))
    kind = forms.ChoiceField(choices=Kind.choices, label=_("Kind"))
    nature = forms.ChoiceField(choices=Nature.choices, label=_("Nature"),
                               initial=Nature.GOOD_FAITH)
    severity = forms.ChoiceField(choices=Severity.choices, label=_("Severity"),
                                 initial=Severity.MEDIUM)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}),
                                  label=_("What the store says"))
    product = forms.ModelChoiceField(queryset=Product.objects.order_by("code"), required=False,
                                     label=_("SKU"))
    order_ref = forms.CharField(max_length=40, required=False, label=_("Order reference"))
    order_id = forms.TypedChoiceField(required=False, coerce=int, empty_value=None,
                                      label=_("Order"), choices=[("", "—")])
    visit_id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    handler = forms.ModelChoiceField(queryset=None, required=False, label=_("Handler"),
                                     help_text=_("Empty: the store's manager."))
    files = MultipleFileField(label=_("Photos or PDF"),
                              help_text=_("JPEG, PNG, GIF, WebP or PDF."))

    def clean_order_id(self):
        value = self.cleaned_data.get("order_id")
        return value or None

    def clean_customer(self):
        """The store by id. One outside the user's scope is refused by the service with
        the same message as an unknown one, so the form does not reveal which stores exist."""
        from customers.models import Customer

        return Customer.objects.filter(pk=self.cleaned_data["customer"]).first()

    def __init__(self, *args, user, fixed_customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_customer is not None:
            self.fields["customer"].widget = forms.HiddenInput()
            # The store's recent orders, newest first, for a complaint about one of them.
            recent = Order.objects.filter(customer=fixed_customer).order_by("-order_date",
                                                                             "-pk")[:10]
            self.fields["order_id"].choices = [("", "—")] + [
                (order.pk, f"{order.order_date:%Y-%m-%d} · {order.get_status_display()} · "
                           f"¥{order.total_amount}")
                for order in recent
            ]
        else:
            del self.fields["order_id"]
            stores = customers_visible_to(user).order_by("code").values_list("pk", "code",
                                                                              "name")[:1000]
            self.fields["customer"].widget = forms.Select(
                choices=[("", "---------")] + [(pk, f"{code} {name}") for pk, code, name in stores]
            )
        self.fields["handler"].queryset = handlers_visible_to(user)


class AcknowledgeForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}),
                           label=_("What the store was told"))
    expected_resolution = forms.DateField(label=_("Expected handling date"),
                                          widget=forms.DateInput(attrs={"type": "date"}))


class InvestigateForm(forms.Form):
    cause = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Cause found"))
    responsibility = forms.ChoiceField(choices=Responsibility.choices,
                                       label=_("Responsibility"))


class ProposeForm(forms.Form):
    solution = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Solution"))
    compensation = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0,
                                      required=False, label=_("Compensation (yuan)"))


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           label=_("Note"))


class CallBackForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        choices=[(i, str(i)) for i in range(1, 6)], coerce=int, label=_("Satisfaction (1-5)"))
    store_feedback = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                     label=_("The store's words"))


class CloseForm(forms.Form):
    review_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}),
                                  label=_("Review note"))


class ReopenForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason"))


class AssignForm(forms.Form):
    handler = forms.ModelChoiceField(queryset=None, label=_("Handler"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers_visible_to(user)


class AttachForm(forms.Form):
    files = MultipleFileField(label=_("Photos or PDF"), required=True)


# One form per workflow step (complaints.workflow.TRANSITIONS), prefixed by its name so
# several can sit on one page.
STEP_FORMS = {
    "acknowledge": AcknowledgeForm,
    "investigate": InvestigateForm,
    "propose": ProposeForm,
    "approve": NoteForm,
    "agree": NoteForm,
    "carry_out": NoteForm,
    "call_back": CallBackForm,
    "close": CloseForm,
    "reopen": ReopenForm,
    "assign": AssignForm,
    "attach": AttachForm,
}


def step_form(action: str, user, data=None, files=None) -> forms.Form:
    form_class = STEP_FORMS[action]
    kwargs = {"user": user} if form_class is AssignForm else {}
    return form_class(data, files, prefix=action, **kwargs)


def intake_initial(query) -> dict:
    """The intake form's starting values from the link that opened it: the phone console
    (?channel=phone), a visit (?channel=visit&visit=<id>) or an order (?order=<id>)."""
    def number(key):
        value = query.get(key, "")
        return int(value) if value.isdigit() else None

    channel = query.get("channel")
    return {"customer": number("customer"),
            "channel": channel if channel in Channel.values else None,
            "visit_id": number("visit"), "order_id": number("order")}


# --- satisfaction surveys and service call-backs -------------------------------------------

SCORE_CHOICES = [(i, str(i)) for i in range(1, 6)]


class SurveyAnswerForm(forms.Form):
    """A sampled store's answer, asked in the phone console or at a visit."""

    survey = forms.IntegerField(widget=forms.HiddenInput)
    customer = forms.IntegerField(widget=forms.HiddenInput)
    reliability = forms.TypedChoiceField(label=_("Reliability"), choices=SCORE_CHOICES,
                                         coerce=int)
    responsiveness = forms.TypedChoiceField(label=_("Responsiveness"),
                                            choices=SCORE_CHOICES, coerce=int)
    assurance = forms.TypedChoiceField(label=_("Assurance"), choices=SCORE_CHOICES,
                                       coerce=int)
    empathy = forms.TypedChoiceField(label=_("Empathy"), choices=SCORE_CHOICES, coerce=int)
    tangibles = forms.TypedChoiceField(label=_("Tangibles"), choices=SCORE_CHOICES,
                                       coerce=int)
    comment = forms.CharField(label=_("Remarks"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)


class SurveySampleForm(forms.Form):
    method = forms.ChoiceField(label=_("Sample method"), choices=SampleMethod.choices)
    size = forms.IntegerField(label=_("Sample size"), min_value=1)


class CallbackAnswerForm(forms.Form):
    as_agreed = forms.TypedChoiceField(
        label=_("Done as agreed?"), coerce=lambda v: v == "yes",
        choices=[("yes", _("Yes")), ("no", _("No"))], widget=forms.RadioSelect)
    attitude = forms.TypedChoiceField(label=_("Attitude (1-5)"), choices=SCORE_CHOICES,
                                      coerce=int)
    remarks = forms.CharField(label=_("Remarks"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
