import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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

    sort = django_filters.OrderingFilter(
        fields=(("code", "code"), ("name", "name"), ("monthly_average", "monthly_average"),
                ("last_order_date", "last_order_date"), ("grade", "grade")),
        field_labels={"code": _("Code"), "name": _("Name"), "monthly_average":
                      _("Monthly average"), "last_order_date": _("Last order"),
                      "grade": _("Grade")},
        label=_("Sort by"),
    )

    class Meta:
        model = Customer
        fields = ["q", "grade", "territory", "manager", "status", "network",
                  "business_format", "order_weekday", "key_account", "warning"]

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
