import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm_project.api import nulls_last

from .models import (
    OPEN_WARNING_STATUSES,
    BusinessFormat,
    ChurnReason,
    Customer,
    CustomerStatus,
    Grade,
    Network,
    Territory,
    User,
)


def _word_condition(word: str) -> Q:
    condition = (
        Q(code__startswith=word)
        | Q(name__icontains=word)
        | Q(license_no__startswith=word)
        | Q(owner__icontains=word)
        | Q(phone__contains=word)
        | Q(address__icontains=word)
    )
    if word.isascii() and word.isalpha():
        condition |= (Q(name_initials__startswith=word.lower())
                      | Q(owner_initials__startswith=word.lower()))
    return condition


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Sorting where stores without a value (no churn risk yet) come last either way."""

    # django-filter's own catalogs have no zh-Hans: its "(descending)" showed in English.
    descending_fmt = _("%s (descending)")

    def get_ordering_value(self, param):
        return nulls_last(super().get_ordering_value(param))


def search_customers(queryset, value: str):
    """Code, name, licence, owner, phone, address, or pinyin initials of the store's or the
    operator's name; each word of the query (split on spaces) must match."""
    for word in (value or "").split()[:8]:
        queryset = queryset.filter(_word_condition(word))
    return queryset


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    grade = django_filters.MultipleChoiceFilter(
        choices=Grade.choices, label=_("Grade"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "inline-choices"}),
    )
    grade = django_filters.ChoiceFilter(choices=Grade.choices, label=_("Grade"))
    territory = django_filters.ModelChoiceFilter(queryset=Territory.objects.none(),
                                                 label=_("Territory"))
    manager = django_filters.ModelChoiceFilter(queryset=User.objects.none(),
                                               label=_("Customer manager"))
    status = django_filters.ChoiceFilter(choices=CustomerStatus.choices, label=_("Status"))
    network = django_filters.ChoiceFilter(choices=Network.choices, label=_("Network"))
    business_format = django_filters.ChoiceFilter(choices=BusinessFormat.choices,
                                                  label=_("Business format"))
    order_weekday = django_filters.NumberFilter(label=_("Order weekday"))
    key_account = django_filters.BooleanFilter(field_name="is_key_account",
                                               label=_("Key account"))
    warning = django_filters.ChoiceFilter(
        choices=[("any", _("Any open warning")), *ChurnReason.choices],
        method="filter_warning", label=_("Churn warning"))

    churn_risk_min = django_filters.NumberFilter(
        field_name="churn_risk", lookup_expr="gte", label=_("Churn risk from (%)"),
        min_value=0, max_value=100)
    churn_risk_max = django_filters.NumberFilter(
        field_name="churn_risk", lookup_expr="lte", label=_("Churn risk up to (%)"),
        min_value=0, max_value=100)

    sort = NullsLastOrderingFilter(
        fields=(("code", "code"), ("name", "name"), ("monthly_average", "monthly_average"),
                ("last_order_date", "last_order_date"), ("grade", "grade"),
                ("churn_risk", "churn_risk")),
        field_labels={"code": _("Code"), "name": _("Name"), "monthly_average":
                      _("Monthly average"), "last_order_date": _("Last order"),
                      "grade": _("Grade"), "churn_risk": _("Churn risk")},
        label=_("Sort by"),
    )

    class Meta:
        model = Customer
        fields = ["q", "grade", "territory", "manager", "status", "network",
                  "business_format", "order_weekday", "key_account", "warning",
                  "churn_risk_min", "churn_risk_max"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = user or getattr(request, "user", None)
        if user is not None:
            from .selectors import managers_visible_to, territories_visible_to

            self.filters["territory"].queryset = territories_visible_to(user)
            self.filters["manager"].queryset = managers_visible_to(user)

    def filter_warning(self, queryset, name, value):
        warnings = {"churn_warnings__status__in": OPEN_WARNING_STATUSES}
        if value != "any":
            warnings["churn_warnings__reason"] = value
        return queryset.filter(pk__in=Customer.objects.filter(**warnings).values("pk"))

    def filter_q(self, queryset, name, value):
        return search_customers(queryset, value)
