"""Forms of the grading pages. Each form hands its cleaned data to one service and puts a
refusal back on itself, so the views stay a few lines."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm_project.errors import BusinessError, form_add_error
from customers.models import (
    ChurnReason,
    ChurnRuleSettings,
    GradingSettings,
    JobKind,
    WarningStatus,
)

from . import services
from .selectors import churn_settings_get, churn_warning_get, grading_settings_get


class ServiceFormMixin:
    """`submit(user=...)`: validate, call the service, True when it accepted."""

    def call_service(self, *, user) -> None:
        raise NotImplementedError

    def submit(self, *, user) -> bool:
        if not self.is_valid():
            return False
        try:
            self.call_service(user=user)
        except BusinessError as refused:
            form_add_error(self, refused)
            return False
        return True


class GradingSettingsForm(ServiceFormMixin, forms.ModelForm):
    reason = forms.CharField(label=gettext_lazy("Reason for the change"), required=False,
                             max_length=100)

    class Meta:
        model = GradingSettings
        fields = services.GRADING_SETTINGS_FIELDS

    def call_service(self, *, user) -> None:
        data = {k: v for k, v in self.cleaned_data.items() if k != "reason"}
        services.grading_settings_update(user=user, data=data,
                                         reason=self.cleaned_data["reason"])


class ChurnSettingsForm(ServiceFormMixin, forms.ModelForm):
    class Meta:
        model = ChurnRuleSettings
        fields = services.CHURN_SETTINGS_FIELDS

    def call_service(self, *, user) -> None:
        services.churn_settings_update(user=user, data=dict(self.cleaned_data))


SETTINGS_FORMS = {"grading": (GradingSettingsForm, grading_settings_get),
                  "churn": (ChurnSettingsForm, churn_settings_get)}


def settings_forms(data=None) -> tuple[dict, str | None]:
    """Both settings forms, the one named by data["which"] bound to the data."""
    which = data.get("which") if data is not None else None
    which = which if which in SETTINGS_FORMS else ("churn" if data is not None else None)
    return {name: form_class(data if name == which else None, instance=get(), prefix=name)
            for name, (form_class, get) in SETTINGS_FORMS.items()}, which


class JobStartForm(ServiceFormMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Job"), choices=JobKind.choices)
    as_of = forms.DateField(label=gettext_lazy("As of"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))

    def call_service(self, *, user) -> None:
        services.job_run_start(user=user, kind=self.cleaned_data["kind"],
                               as_of=self.cleaned_data["as_of"])


class WarningInboxForm(forms.Form):
    """The inbox's filters (GET): a status ("open" by default) and a reason."""

    status = forms.CharField(required=False)
    reason = forms.CharField(required=False)

    def filters(self) -> dict:
        return {"status": self.data.get("status", "open"), "reason": self.data.get("reason", "")}

    @staticmethod
    def choices() -> dict:
        return {"statuses": [("open", _("Open or acknowledged")), *WarningStatus.choices],
                "reasons": ChurnReason.choices}


class WarningActionForm(forms.Form):
    resolution = forms.CharField(required=False, max_length=2000)
    next = forms.CharField(required=False)

    def act(self, *, user, warning_id: int, action: str):
        """Run the action; (warning, error message or None)."""
        resolution = self.cleaned_data["resolution"] if self.is_valid() else ""
        try:
            return services.churn_warning_act(user=user, warning_id=warning_id, action=action,
                                              resolution=resolution), None
        except BusinessError as refused:
            return churn_warning_get(user=user, warning_id=warning_id), refused.message
