"""Form pieces shared by every app's forms.py."""

from django import forms
from django.core.exceptions import ValidationError


class LenientMixin:
    """An unreadable value counts as empty (a tampered query string shows the default)."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            return None


class LenientDateField(LenientMixin, forms.DateField):
    pass


class LenientDateTimeField(LenientMixin, forms.DateTimeField):
    pass


class QueryForm(forms.Form):
    """A GET form that is always valid: `values()` gives the cleaned query."""

    def values(self) -> dict:
        self.is_valid()
        return {**{name: None for name in self.fields}, **self.cleaned_data}
